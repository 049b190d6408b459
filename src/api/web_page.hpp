// The small web page served at GET /: lists captured messages and sessions with fetch().
#pragma once

#include <string>
#include <string_view>

namespace bounceback::api {

std::string_view web_page();

// The page's Content-Security-Policy: nothing but its own inline script and style (by
// SHA-256 hash, computed from the page itself) and fetch() to its own origin.
const std::string& web_page_csp();

// The policy of /raw: the message's bytes may never run or load anything.
inline constexpr std::string_view raw_message_csp = "default-src 'none'; sandbox";

}  // namespace bounceback::api
