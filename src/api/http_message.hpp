// The HTTP request and response as the routes see them: plain data, no Asio, so routing and
// JSON views are testable without sockets. Long-polls and event streams are deferred to the
// transport, which owns the waiting.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "api/message_filter.hpp"

namespace bounceback::api {

using Params = std::vector<std::pair<std::string, std::string>>;  // decoded, in order

struct Request {
  std::string method;     // "GET", "PUT", ...
  std::string path;       // raw (still percent-encoded), without the query
  Params query;           // decoded
  std::string raw_query;  // as received, for routes that decode it their own way (Mailpit's)
  std::string authorization;
  std::string body;
};

// Work the transport finishes asynchronously. wait (GET /api/v1/messages/wait): answer once
// Router::wait_check(filter, page) finds a message, or Router::wait_timeout() after `timeout`.
// events (GET /api/v1/events): stream Router::event_message() for each new message matching
// `filter`, as Server-Sent Events, until the client leaves.
struct Deferred {
  // again: the route did a bounded step of its work (the search's address index catching up
  // with a large store) and runs again, from the start, once the API's other ready work ran.
  enum class Kind { none, wait, events, again };
  Kind kind = Kind::none;
  MessageFilter filter;
  std::chrono::milliseconds timeout{0};
  std::size_t start = 0, limit = 0;  // wait: the page of matches listed in "messages"
};

// A body too large to build at once: each call appends the next piece to `out` and returns
// false once it has appended the last one. The transport sends it chunked, so memory holds
// one piece, never the whole body; it runs on the API's thread between writes.
using BodyStream = std::function<bool(std::string& out)>;

struct Response {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra ones, e.g. Allow
  BodyStream stream;  // when set, the body (`body` stays empty)
  Deferred deferred;
};

}  // namespace bounceback::api
