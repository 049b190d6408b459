// Shadows the real header for the parts of src/ that must not see Boost.Asio (cmake/layers.cmake).
#error "layering: Boost.Asio is not for this part of src/ (docs/architecture.md, Layers)"
