# What both examples do first: Bounceback from an install, or from a checkout.
#   installed:  cmake -S . -B build -DCMAKE_PREFIX_PATH=/its/prefix   (find_package)
#   checkout:   cmake -S . -B build -DBOUNCEBACK_SOURCE_DIR=/path/to/bounceback   (add_subdirectory)
# Either way the target is bounceback::embedded. C++20 for the examples' designated initializers
# (the header itself needs C++17).
set(CMAKE_CXX_STANDARD 20)
if(BOUNCEBACK_SOURCE_DIR)
  add_subdirectory(${BOUNCEBACK_SOURCE_DIR} bounceback EXCLUDE_FROM_ALL)
else()
  find_package(Bounceback 0.1 REQUIRED)
endif()
