// The HTTP/1.1 transport of the API (Boost.Beast on the API's io_context): listeners,
// keep-alive connections with bounded headers and bodies and a timeout on every read,
// long-polls and Server-Sent Events woken by the message store, graceful stop. The routes it
// serves are src/api's (router.hpp), which know nothing of Beast.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "api/api_context.hpp"
#include "api/request_guard.hpp"
#include "api/settings.hpp"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace bounceback::api {

class HttpServer {
 public:
  // `guard` decides which Host, Origin and CORS requests are answered (request_guard.hpp).
  HttpServer(boost::asio::io_context& io, ApiContext& context, RequestGuard guard = RequestGuard(),
             HttpLimits limits = {});
  ~HttpServer();

  // Binds "ADDR:PORT" ("[::1]:8025" for IPv6, port 0 for any); throws std::runtime_error.
  // Returns the bound port.
  // `accept_backoff`: the pause after a failed accept (net::Settings::accept_backoff).
  std::uint16_t listen(const std::string& address, std::chrono::milliseconds accept_backoff);
  // Stops accepting and closes every connection, ending long-polls and event streams.
  // Thread-safe: runs on the server's io_context.
  void stop();

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace bounceback::api
