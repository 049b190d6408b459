// The build's version, for --version, GET /healthz and bounceback_build_info. Generated at
// build time (cmake/version.cmake); only the wiring and the API link it, never the protocol.
#pragma once

#include <string>
#include <string_view>

namespace bounceback::version {

std::string_view number();    // CMake's project VERSION: "0.1.0"
std::string_view revision();  // `git describe --always --dirty`: "071cf18", or "" outside git

// "0.1.0 (071cf18)", or "0.1.0" without a revision.
inline std::string text() {
  std::string out(number());
  if (!revision().empty()) out.append(" (").append(revision()).append(")");
  return out;
}

}  // namespace bounceback::version
