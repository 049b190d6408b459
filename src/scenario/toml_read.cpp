// Typed TOML reads with positioned, key-naming error messages.
#include "scenario/toml_read.hpp"

namespace bounceback::scenario {

void ErrorSink::add(const toml::source_region& where, const std::string& key,
                    const std::string& what) {
  errors_.push_back({origin_, static_cast<std::uint32_t>(where.begin.line),
                     static_cast<std::uint32_t>(where.begin.column),
                     key.empty() ? what : key + ": " + what});
}

std::string describe(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string:
      return "the string \"" + std::string(*n.value<std::string_view>()) + "\"";
    case toml::node_type::integer:
      return "the integer " + std::to_string(*n.value<std::int64_t>());
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return *n.value<bool>() ? "true" : "false";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    default:
      return "a date/time";
  }
}

std::optional<std::string> read_string(const toml::node& n, const std::string& key,
                                       ErrorSink& errors) {
  if (auto s = n.value<std::string>()) return s;
  errors.add(n.source(), key, "expected a string, got " + describe(n));
  return std::nullopt;
}

std::optional<bool> read_bool(const toml::node& n, const std::string& key, ErrorSink& errors) {
  if (n.is_boolean()) return n.value<bool>();
  errors.add(n.source(), key, "expected true or false, got " + describe(n));
  return std::nullopt;
}

std::optional<std::int64_t> read_integer(const toml::node& n, const std::string& key,
                                         std::int64_t min, ErrorSink& errors) {
  if (n.is_integer() && *n.value<std::int64_t>() >= min) return n.value<std::int64_t>();
  errors.add(n.source(), key,
             "expected an integer >= " + std::to_string(min) + ", got " + describe(n));
  return std::nullopt;
}

std::optional<double> read_probability(const toml::node& n, const std::string& key,
                                       ErrorSink& errors) {
  if (n.is_number()) {
    const double p =
        n.is_integer() ? static_cast<double>(*n.value<std::int64_t>()) : *n.value<double>();
    if (p >= 0.0 && p <= 1.0) return p;
  }
  errors.add(n.source(), key, "expected a number from 0 to 1 (e.g. 0.25), got " + describe(n));
  return std::nullopt;
}

std::optional<std::uint64_t> read_size(const toml::node& n, const std::string& key,
                                       ErrorSink& errors) {
  if (n.is_integer() && *n.value<std::int64_t>() >= 0)
    return static_cast<std::uint64_t>(*n.value<std::int64_t>());
  if (auto s = n.value<std::string_view>())
    if (auto v = parse_size(*s)) return v;
  errors.add(n.source(), key,
             "expected a size like \"500\", \"10KiB\", \"1MiB\" or \"1MB\", got " + describe(n));
  return std::nullopt;
}

std::optional<std::chrono::milliseconds> read_duration(const toml::node& n, const std::string& key,
                                                       ErrorSink& errors) {
  if (auto s = n.value<std::string_view>())
    if (auto v = parse_duration(*s)) return v;
  errors.add(n.source(), key,
             "expected a duration like \"500ms\", \"2s\", \"1m\", \"4h\", \"1d\" or \"1h30m\" "
             "(at most \"36500d\"), got " +
                 describe(n));
  return std::nullopt;
}

std::optional<Range> read_range(const toml::node& n, const std::string& key, ErrorSink& errors) {
  if (n.is_integer() && *n.value<std::int64_t>() >= 1) {
    const auto v = static_cast<std::uint64_t>(*n.value<std::int64_t>());
    return Range{v, v};
  }
  if (auto s = n.value<std::string_view>())
    if (auto v = parse_range(*s)) return v;
  errors.add(n.source(), key,
             "expected a count or range like \"2\", \"1-3\" or \"4-\" (counting from 1), got " +
                 describe(n));
  return std::nullopt;
}

std::optional<Pattern> read_pattern(const toml::node& n, const std::string& key,
                                    ErrorSink& errors) {
  const auto s = read_string(n, key, errors);
  if (!s) return std::nullopt;
  std::string error;
  Pattern p = Pattern::compile(*s, error);
  if (p.valid()) return p;
  errors.add(n.source(), key, "invalid regular expression (RE2 syntax): " + error);
  return std::nullopt;
}

std::optional<std::string> read_reply_text(const toml::node& n, const std::string& key,
                                           ErrorSink& errors) {
  const auto* arr = n.as_array();
  if (!arr) return read_string(n, key, errors);
  if (arr->empty()) {
    errors.add(n.source(), key, "expected at least one line");
    return std::nullopt;
  }
  std::string text;
  for (const auto& line : *arr) {
    const auto s = read_string(line, key, errors);
    if (!s) return std::nullopt;
    text += (text.empty() ? "" : "\n") + *s;
  }
  return text;
}

void reject_unknown_keys(const toml::table& table, const std::string& where,
                         std::initializer_list<std::string_view> known, ErrorSink& errors) {
  for (auto&& [k, v] : table) {
    bool ok = false;
    for (auto name : known) ok = ok || k.str() == name;
    if (ok) continue;
    std::string list;
    for (auto name : known) list += (list.empty() ? "" : ", ") + std::string(name);
    errors.add(k.source(),
               where.empty() ? std::string(k.str()) : where + "." + std::string(k.str()),
               "unknown key; expected one of: " + list);
  }
}

}  // namespace bounceback::scenario
