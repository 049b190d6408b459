// One HTTP connection of the API, what its coroutines share, and the coroutines that serve
// it (connection.cpp, response_writer.cpp, long_poll.cpp, event_stream.cpp). Internal to
// src/api/http.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "api/http/http_server.hpp"
#include "api/http/waker.hpp"
#include "api/http_message.hpp"
#include "api/request_guard.hpp"
#include "api/router.hpp"

namespace bounceback::api {

// The address of a listener, as the request guard compares it with Host.
struct ListenerAddress {
  std::string literal;  // "127.0.0.1", "::1"
  bool any = false;     // bound to 0.0.0.0 or ::
};

// What every connection of one HttpServer reads; it outlives them.
struct Site {
  Site(ApiContext& context, RequestGuard guard, HttpLimits limits)
      : router(context), guard(std::move(guard)), limits(limits) {}
  Router router;
  RequestGuard guard;
  HttpLimits limits;
};

// One connection; its fields are touched only on its strand.
struct HttpConnection {
  HttpConnection(boost::asio::ip::tcp::socket socket, ListenerAddress listener, bool reserve)
      : stream(std::move(socket)), listener(std::move(listener)), reserve(reserve) {}
  boost::beast::tcp_stream stream;
  ListenerAddress listener;
  bool reserve;                  // accepted past max_connections: health routes only
  std::shared_ptr<Waker> waker;  // while a long-poll or an event stream waits
  bool watch_peer = true;        // a wait also watches for the client leaving
  bool client_left = false;      // seen while waiting: nothing more to write
  bool stopping = false;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

// Reads requests and answers them until the client leaves, the connection must close, or the
// server stops (connection.cpp).
boost::asio::awaitable<void> serve(const Site& site, std::shared_ptr<HttpConnection> conn);

// Writes `resp`; false when the write failed or the connection must close. `head`: the
// answer to HEAD, the GET's headers (and its Content-Length) without the body (RFC 9110
// §9.3.2). (response_writer.cpp)
boost::asio::awaitable<bool> write(const HttpLimits& limits, HttpConnection& conn, Response& resp,
                                   unsigned version, bool keep, bool head = false);
// After refusing a request, reads and discards what the client is still sending (bounded in
// bytes and time): closing with unread data would reset the connection before the client
// had read the error. (response_writer.cpp)
boost::asio::awaitable<void> drain(const HttpLimits& limits, HttpConnection& conn);

// Long-poll: answers once a message matching `d.filter` is stored, or at the deadline
// (long_poll.cpp).
boost::asio::awaitable<Response> long_poll(const Site& site, std::shared_ptr<HttpConnection> conn,
                                           const Deferred& d);

// Server-Sent Events (text/event-stream) until the client leaves; `head`: only the header
// (event_stream.cpp).
boost::asio::awaitable<void> stream_events(const Site& site, std::shared_ptr<HttpConnection> conn,
                                           unsigned version, const MessageFilter& filter, bool head,
                                           const Headers& cors);

}  // namespace bounceback::api
