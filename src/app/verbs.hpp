// The verbs besides serve: check, explain, scenarios. Each returns the exit code.
#pragma once

#include <string>
#include <vector>

namespace bounceback::app {

int check(const std::vector<std::string>& files);
int explain(const std::vector<std::string>& args);
int list_scenarios();

}  // namespace bounceback::app
