// The query parameters a route accepts, checked before its handler runs: an unknown or
// repeated parameter is an error naming it (a misspelt filter must fail, not match the wrong
// messages), and aliases (`rcpt` for `to`) resolve to one name per concept. Also paging
// (`start=`, `limit=`) with a per-list default and maximum.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "api/http_message.hpp"

namespace bounceback::api {

// The concept a parameter name stands for: "rcpt" -> "to"; other names are themselves.
std::string_view canonical_param(std::string_view name);

// nullopt when every parameter of `query` is in `accepted` (canonical names separated by
// spaces, e.g. "from to subject start limit") and none is given twice (counting aliases);
// else the message of a 400, naming the parameter and what the route accepts.
std::optional<std::string> check_query(const Params& query, std::string_view accepted);

// The value of the parameter whose canonical name is `name` (so "to" also finds "rcpt=").
const std::string* query_value(const Params& query, std::string_view name);

// A list's paging: entries [start, start + limit) of the full, filtered list.
struct Page {
  std::size_t start = 0;
  std::size_t limit = 0;
};
struct PageLimits {
  std::size_t default_limit;
  std::size_t max_limit;
};

// The most one scanning request reads (a search, a subject= or glob filter): messages
// visited, and their stored bytes. At ~1-3 us a message, 10,000 answer in 10-30 ms on a
// small machine, whatever the store's size; `next` carries the scan on (docs/api.md, "Paging").
struct ScanBudget {
  std::size_t messages = 10000;
  std::size_t bytes = 64 * 1024 * 1024;
};

// Reads `start=` (default 0) and `limit=` (default `limits.default_limit`, at most
// `limits.max_limit`). nullopt and the message of a 400 in `error` on a bad value.
std::optional<Page> parse_page(const Params& query, PageLimits limits, std::string& error);

}  // namespace bounceback::api
