// Checking a request's query parameters against the route's list, aliases, and paging.
#include "api/query_params.hpp"

#include <charconv>
#include <utility>

namespace bounceback::api {
namespace {

// Other names for a concept, so every route spells a recipient filter the same two ways
// (the SMTP verb `rcpt` and the header-like `to`).
constexpr std::pair<std::string_view, std::string_view> aliases[] = {
    {"rcpt", "to"},
};

// Calls f(name) for each space-separated name of `list`.
template <class F>
void for_each_name(std::string_view list, F f) {
  while (!list.empty()) {
    const auto space = list.find(' ');
    const std::string_view name = list.substr(0, space);
    if (!name.empty()) f(name);
    list = space == std::string_view::npos ? std::string_view{} : list.substr(space + 1);
  }
}

bool listed(std::string_view list, std::string_view name) {
  bool found = false;
  for_each_name(list, [&](std::string_view n) { found = found || n == name; });
  return found;
}

// "from, to (or rcpt), subject" for an error message.
std::string describe(std::string_view accepted) {
  std::string out;
  for_each_name(accepted, [&](std::string_view name) {
    if (!out.empty()) out += ", ";
    out += name;
    for (const auto& [alias, canonical] : aliases)
      if (canonical == name) out.append(" (or ").append(alias).append(")");
  });
  return out;
}

// Client text inside an error message: printable ASCII only, bounded.
std::string shown(std::string_view text) {
  std::string out;
  for (const char c : text.substr(0, 64)) out += c >= 0x20 && c < 0x7f ? c : '?';
  if (text.size() > 64) out += "...";
  return out;
}

std::optional<std::size_t> parse_count(const std::string& text) {
  std::size_t n = 0;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || ec != std::errc{} || p != text.data() + text.size()) return std::nullopt;
  return n;
}

}  // namespace

std::string_view canonical_param(std::string_view name) {
  for (const auto& [alias, canonical] : aliases)
    if (alias == name) return canonical;
  return name;
}

std::optional<std::string> check_query(const Params& query, std::string_view accepted) {
  for (std::size_t i = 0; i < query.size(); ++i) {
    const std::string& name = query[i].first;
    const std::string_view concept_name = canonical_param(name);
    if (!listed(accepted, concept_name)) {
      std::string error = "unknown query parameter \"" + shown(name) + "\"; ";
      if (accepted.empty()) return error + "this route takes no query parameters";
      return error + "this route accepts " + describe(accepted);
    }
    for (std::size_t j = 0; j < i; ++j)
      if (canonical_param(query[j].first) == concept_name)
        return "query parameter \"" + shown(name) + "\" given twice" +
               (query[j].first == name ? std::string{} : " (as \"" + shown(query[j].first) + "\")");
  }
  return std::nullopt;
}

const std::string* query_value(const Params& query, std::string_view name) {
  for (const auto& [key, value] : query)
    if (canonical_param(key) == name) return &value;
  return nullptr;
}

std::optional<Page> parse_page(const Params& query, PageLimits limits, std::string& error) {
  Page page{0, std::min(limits.default_limit, limits.max_limit)};
  if (const auto* text = query_value(query, "start")) {
    const auto n = parse_count(*text);
    if (!n) {
      error = "start: expected a non-negative integer (an offset into the list)";
      return std::nullopt;
    }
    page.start = *n;
  }
  if (const auto* text = query_value(query, "limit")) {
    const auto n = parse_count(*text);
    if (!n || *n > limits.max_limit) {
      error = "limit: expected an integer from 0 to " + std::to_string(limits.max_limit) +
              " (page with start=)";
      return std::nullopt;
    }
    page.limit = *n;
  }
  return page;
}

}  // namespace bounceback::api
