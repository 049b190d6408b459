// The verbs of the command line as a table: name, usage text, and what runs it. Each run
// returns the exit code (0 ok, 1 a negative answer such as an invalid scenario, 2 bad usage).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace bounceback::app {

struct Verb {
  std::string_view name;
  const char* usage;  // printed by `bounceback VERB --help`
  int (*run)(const std::vector<std::string>& args);
};

// The verb named `name` ("serve", "check", "explain", "scenarios", "import", "help", "version"), or null.
const Verb* find_verb(std::string_view name);

// "bounceback 0.1.0 (071cf18)"
std::string version_line();

}  // namespace bounceback::app
