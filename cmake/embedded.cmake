# bounceback::embedded (include/bounceback/embedded.hpp, docs/fixtures.md): the server in a C++
# test process. One static archive holds src/embedded and the objects of every part, so an
# installed copy needs none of the internal targets: find_package(Bounceback) after
# `cmake --install`, or add_subdirectory, gives the same target. Its link needs only Debian's
# libraries (BouncebackConfig.cmake finds them again).
include(CMakePackageConfigHelpers)

set(bounceback_embedded_parts bounceback_smtp bounceback_catalog bounceback_report
  bounceback_scenario bounceback_import bounceback_version bounceback_log bounceback_store
  bounceback_proxy bounceback_asio bounceback_net bounceback_api bounceback_api_http bounceback_redis
  bounceback_app)
file(GLOB embedded_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/src/embedded/*.cpp)
set(embedded_objects)
foreach(part ${bounceback_embedded_parts})
  list(APPEND embedded_objects $<TARGET_OBJECTS:${part}>)
endforeach()
add_library(bounceback_embedded STATIC ${embedded_sources} ${embedded_objects})
add_library(bounceback::embedded ALIAS bounceback_embedded)
set_target_properties(bounceback_embedded PROPERTIES EXPORT_NAME embedded
  OUTPUT_NAME bounceback-embedded)
target_compile_features(bounceback_embedded PUBLIC cxx_std_17)
target_include_directories(bounceback_embedded PUBLIC
  $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
  $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
# Our warnings, sanitizers and src/ include path for its own source (the build tree only);
# what the parts link, for whoever links it.
target_link_libraries(bounceback_embedded PRIVATE $<BUILD_INTERFACE:bounceback_options>
  Threads::Threads Boost::json OpenSSL::SSL OpenSSL::Crypto tomlplusplus::tomlplusplus
  PkgConfig::RE2 PkgConfig::HIREDIS)
# A sanitized archive needs the sanitizer's runtime in the program that links it.
get_target_property(sanitizer_links bounceback_options INTERFACE_LINK_OPTIONS)
if(sanitizer_links)
  target_link_options(bounceback_embedded INTERFACE $<INSTALL_INTERFACE:${sanitizer_links}>)
endif()
# src/embedded may not see Asio or OpenSSL (cmake/layers.cmake), as the parts.
bounceback_poison(bounceback_embedded embedded)

# `cmake --install`: the archive, the header, the package files (component "embedded", left
# out of the .deb, which ships the server).
set(bounceback_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/Bounceback)
install(TARGETS bounceback_embedded EXPORT BouncebackTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT embedded)
install(FILES include/bounceback/embedded.hpp
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/bounceback COMPONENT embedded)
install(EXPORT BouncebackTargets NAMESPACE bounceback:: DESTINATION ${bounceback_cmake_dir}
  COMPONENT embedded)
configure_package_config_file(cmake/BouncebackConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/BouncebackConfig.cmake INSTALL_DESTINATION ${bounceback_cmake_dir})
# 0.x: a minor version may change the API.
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/BouncebackConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/BouncebackConfig.cmake
  ${CMAKE_CURRENT_BINARY_DIR}/BouncebackConfigVersion.cmake
  DESTINATION ${bounceback_cmake_dir} COMPONENT embedded)
