// The small web page served at GET /: lists captured messages and sessions with fetch().
#pragma once

#include <string_view>

namespace bounceback::api {

std::string_view web_page();

}  // namespace bounceback::api
