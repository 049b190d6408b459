// Shadows the real header for the parts of src/ that must not see Boost.Beast (cmake/layers.cmake).
#error "layering: Boost.Beast is not for this part of src/ (docs/architecture.md, Layers)"
