// Typed reads of TOML values for the loader: each helper either returns the value or records
// an error at the node's position naming the key and the expected form.
#pragma once

#include <toml++/toml.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "scenario/loader.hpp"
#include "scenario/pattern.hpp"
#include "scenario/units.hpp"

namespace bounceback::scenario {

class ErrorSink {
 public:
  explicit ErrorSink(std::string origin) : origin_(std::move(origin)) {}
  void add(const toml::source_region& where, const std::string& key, const std::string& what);
  bool empty() const { return errors_.empty(); }
  std::size_t size() const { return errors_.size(); }
  std::vector<LoadError> take() { return std::move(errors_); }

 private:
  std::string origin_;
  std::vector<LoadError> errors_;
};

// "a string", "an integer", ... for messages.
std::string describe(const toml::node& n);

std::optional<std::string> read_string(const toml::node& n, const std::string& key,
                                       ErrorSink& errors);
std::optional<bool> read_bool(const toml::node& n, const std::string& key, ErrorSink& errors);
std::optional<std::int64_t> read_integer(const toml::node& n, const std::string& key,
                                         std::int64_t min, ErrorSink& errors);
std::optional<double> read_probability(const toml::node& n, const std::string& key,
                                       ErrorSink& errors);
std::optional<std::uint64_t> read_size(const toml::node& n, const std::string& key,
                                       ErrorSink& errors);
std::optional<std::chrono::milliseconds> read_duration(const toml::node& n, const std::string& key,
                                                       ErrorSink& errors);
std::optional<Range> read_range(const toml::node& n, const std::string& key, ErrorSink& errors);
std::optional<Pattern> read_pattern(const toml::node& n, const std::string& key, ErrorSink& errors);
// A reply's text: a string, or an array of lines (a multi-line reply), joined with '\n'.
std::optional<std::string> read_reply_text(const toml::node& n, const std::string& key,
                                           ErrorSink& errors);

// Reports every key of `table` not in `known` as an error: nothing is silently ignored.
void reject_unknown_keys(const toml::table& table, const std::string& where,
                         std::initializer_list<std::string_view> known, ErrorSink& errors);

}  // namespace bounceback::scenario
