// Shadows the real header for the parts of src/ that must not see OpenSSL (cmake/layers.cmake).
#error "layering: OpenSSL is not for this part of src/ (docs/architecture.md, Layers)"
