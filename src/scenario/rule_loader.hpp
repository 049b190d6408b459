// Builds one Rule from a [[rule]] table, checking every key against the events it is for.
#pragma once

#include <optional>

#include "scenario/rule.hpp"
#include "scenario/toml_read.hpp"

namespace bounceback::scenario {

std::optional<Rule> load_rule(const toml::table& table, std::uint32_t index, ErrorSink& errors);

}  // namespace bounceback::scenario
