// URL pieces for the router: percent-decoding, query strings, path segments, and the
// validation of ids taken from paths (a bounded charset, so no path tricks reach a lookup).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/http_message.hpp"

namespace bounceback::api {

// Decodes %XX only (RFC 3986 §2.1): '+' stays '+', so plus-addressed recipients
// (user+tag@example.test) survive a query string unescaped. nullopt on a malformed escape or NUL.
std::optional<std::string> percent_decode(std::string_view text);

// "a=1&b=x%20y&c=u+t" -> {{"a","1"},{"b","x y"},{"c","u+t"}}: RFC 3986, not HTML form
// encoding (a space is %20). With `plus_is_space`, HTML form encoding as Go and
// URLSearchParams write it (`+` is a space, `%2B` a plus): the Mailpit routes' convention.
// nullopt when an escape is malformed.
std::optional<Params> parse_query(std::string_view query, bool plus_is_space = false);

// "/api/v1/messages/abc" -> {"api","v1","messages","abc"} (still encoded); empty segments
// other than a trailing slash make it invalid (nullopt).
std::optional<std::vector<std::string_view>> split_path(std::string_view path);

// Message and session ids: 1..64 of [A-Za-z0-9._-], not starting with '.'.
bool valid_id(std::string_view id);

}  // namespace bounceback::api
