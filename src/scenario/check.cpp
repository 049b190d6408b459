// The `check` verb: every file is checked, even after a bad one, so one run shows all errors.
#include "scenario/check.hpp"

#include <algorithm>

#include "scenario/loader.hpp"

namespace bounceback::scenario {

int check_files(std::span<const std::string> paths, std::ostream& out) {
  int status = 0;
  for (const auto& path : paths) {
    const LoadResult r = load_scenario_file(path);
    if (r.ok()) continue;
    out << r.error_text();
    status = std::max(status, r.unreadable ? 2 : 1);  // 2: not the scenario's fault
  }
  return status;
}

}  // namespace bounceback::scenario
