// Loading scenarios from TOML: from text, a file, or a built-in name. Every problem is
// reported as FILE:LINE:COL with the key and what was expected; unknown keys are errors.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "scenario/scenario.hpp"

namespace bounceback::scenario {

struct LoadError {
  std::string origin;  // file path or "builtin:NAME"
  std::uint32_t line = 0, column = 0;
  std::string message;  // starts with the key, e.g. "rule[2].attempts: expected ..."

  std::string str() const;  // "FILE:LINE:COL: message"; "FILE: message" without a position
};

struct LoadResult {
  std::shared_ptr<const Scenario> scenario;  // null when there are errors
  std::vector<LoadError> errors;             // in file order
  // Not a scenario's fault: the file could not be read, or the name is not a built-in one.
  bool unreadable = false;

  bool ok() const { return scenario != nullptr; }
  std::string error_text() const;  // every error's str(), one per line
};

// `origin` names the text in messages (a path, or "builtin:NAME").
LoadResult load_scenario_text(std::string_view text, std::string origin);
LoadResult load_scenario_file(const std::string& path);
// A built-in scenario's name ("greylisting"), else a path; a NAME containing '/' or ending
// in ".toml" is always a path.
LoadResult load_scenario(std::string_view name_or_path);
// The text of a built-in scenario, or null (then `error` says so and suggests the nearest).
const std::string_view* builtin_text(std::string_view name, std::string& error);

}  // namespace bounceback::scenario
