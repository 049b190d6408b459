// `bounceback check FILE...`: validates scenario files, printing FILE:LINE:COL: message lines.
#pragma once

#include <ostream>
#include <span>
#include <string>

namespace bounceback::scenario {

// 0 when every file loads, else 1 after printing every error of every file to `out`; 2 when
// a file could not be read (its message says why).
int check_files(std::span<const std::string> paths, std::ostream& out);

}  // namespace bounceback::scenario
