// Reads the fault actions of a [[rule]] into its smtp::Fault (docs/scenarios.md, "Faults"):
// drop = "reset", split, split_pause, line_pause, malformed, line_length, shutdown_after; then
// checks the combinations that cannot mean anything.
#pragma once

#include <string>

#include "scenario/rule.hpp"
#include "scenario/toml_read.hpp"

namespace bounceback::scenario {

// drop = true | false | "reset" (a TCP RST instead of a FIN).
bool read_drop(const toml::node& n, Rule& rule, const std::string& key, ErrorSink& errors);
// split = [3, 10] (byte offsets, ascending, at most 8) or split = 4 (pieces).
bool read_split(const toml::node& n, Rule& rule, const std::string& key, ErrorSink& errors);
bool read_split_pause(const toml::node& n, Rule& rule, const std::string& key, ErrorSink& errors);
bool read_line_pause(const toml::node& n, Rule& rule, const std::string& key, ErrorSink& errors);
bool read_malformed(const toml::node& n, Rule& rule, const std::string& key, ErrorSink& errors);
bool read_line_length(const toml::node& n, Rule& rule, const std::string& key, ErrorSink& errors);
// shutdown_after = 3 (command lines) or "30s" (wall time).
bool read_shutdown_after(const toml::node& n, Rule& rule, const std::string& key,
                         ErrorSink& errors);

// After every key is read: defaults that depend on other keys, and the combinations that
// cannot mean anything (errors on `where`, the rule's name).
void finish_faults(Rule& rule, const toml::table& table, const std::string& where,
                   ErrorSink& errors);

}  // namespace bounceback::scenario
