#!/usr/bin/env bash
# CTest "clients: cpp-install": the C++ library as a user gets it. `cmake --install` of the build
# under test (component embedded: the archive, the header, the package files) into a temporary
# prefix; then each example of examples/cpp (Catch2, GoogleTest), a project of its own, is
# configured against that prefix with find_package(Bounceback), built and run.
# Usage: cpp_install.sh BUILD_DIR SOURCE_DIR CXX_COMPILER
# Exits 77 (skipped) when a test framework is not installed, 1 under CI=true.
set -euo pipefail
build=$1 source=$2 cxx=$3

need() {  # need FILE PACKAGE
  compgen -G "$1" >/dev/null && return
  echo "skipped: $2 is not installed (.ci/install-deps --test installs it)"
  [ "${CI:-}" = true ] && exit 1
  exit 77
}
need "/usr/include/catch2/catch.hpp" catch2
need "/usr/lib/*/cmake/GTest/GTestConfig.cmake" libgtest-dev

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --component embedded --prefix "$work/prefix" >/dev/null
for example in catch2 googletest; do
  echo "== examples/cpp/$example"
  # No build type: the examples compile unoptimized, which is quickest.
  cmake -S "$source/examples/cpp/$example" -B "$work/$example" -G Ninja \
    -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
  cmake --build "$work/$example"
  (cd "$work/$example" && ctest --output-on-failure)
done
