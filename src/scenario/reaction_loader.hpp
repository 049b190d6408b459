// Reads the reaction actions of a [[rule]]: dsn (a table or an array of tables), auto_reply and
// complaint, each error naming the key, line and column.
#pragma once

#include <string>

#include "scenario/rule.hpp"
#include "scenario/toml_read.hpp"

namespace bounceback::scenario {

bool read_dsn(const toml::node& n, Reactions& out, const std::string& key, ErrorSink& errors);
bool read_auto_reply(const toml::node& n, Reactions& out, const std::string& key,
                     ErrorSink& errors);
bool read_complaint(const toml::node& n, Reactions& out, const std::string& key, ErrorSink& errors);

}  // namespace bounceback::scenario
