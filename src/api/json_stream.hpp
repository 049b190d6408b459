// A JSON document whose last member is a long array, produced one element at a time
// (Response::stream): a page of sessions with their transcripts is never held whole.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <functional>
#include <string_view>

#include "api/http_message.hpp"

namespace bounceback::api {

// {<fields...>, "<name>": [item(0), item(1), ..., item(count - 1)]} and a newline, one
// element per call; item(i) is called once, in order, when its turn comes.
BodyStream json_list_stream(const boost::json::object& fields, std::string_view name,
                            std::size_t count, std::function<boost::json::value(std::size_t)> item);

}  // namespace bounceback::api
