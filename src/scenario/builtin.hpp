// The scenarios shipped in scenarios/*.toml, compiled into the binary so they work anywhere.
#pragma once

#include <span>
#include <string_view>

namespace bounceback::scenario {

struct BuiltinScenario {
  std::string_view name;  // the file stem: "greylisting"
  std::string_view text;  // the TOML source
};

std::span<const BuiltinScenario> builtin_scenarios();

}  // namespace bounceback::scenario
