// `bounceback import FILE...`: mail logs, DSNs and session JSON turned into a scenario.
#pragma once

#include <string>
#include <vector>

namespace bounceback::app {

extern const char* const import_usage;
int run_import(const std::vector<std::string>& args);

}  // namespace bounceback::app
