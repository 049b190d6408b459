// The API's listeners and the registry of its live connections: admission (with the reserve
// for health checks past max_connections), one coroutine per connection on its own strand,
// and stop. Serving a connection is connection.cpp's.
#include "api/http/http_server.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <mutex>
#include <unordered_map>

#include "api/http/connection.hpp"
#include "log/log.hpp"
#include "net/endpoint.hpp"
#include "net/listener.hpp"

namespace bounceback::api {

namespace asio = boost::asio;
using asio::ip::tcp;

struct HttpServer::State : std::enable_shared_from_this<State> {
  State(asio::io_context& io, ApiContext& ctx, RequestGuard guard, HttpLimits limits)
      : io(io), site(ctx, std::move(guard), limits) {}

  asio::io_context& io;
  Site site;
  std::vector<std::shared_ptr<tcp::acceptor>> acceptors;
  std::mutex mutex;
  std::unordered_map<std::uint64_t, std::shared_ptr<HttpConnection>> live;
  std::uint64_t next_id = 1;
  bool stopping = false;

  void spawn(tcp::socket socket, const ListenerAddress& listener) {
    std::shared_ptr<HttpConnection> conn;
    std::uint64_t id = 0;
    {
      std::lock_guard lock(mutex);
      const std::size_t open = live.size();
      if (stopping || open >= site.limits.max_connections + site.limits.reserved_connections)
        return;  // closes the socket
      conn = std::make_shared<HttpConnection>(std::move(socket), listener,
                                              open >= site.limits.max_connections);
      id = next_id++;
      live.emplace(id, conn);
    }
    const auto executor = conn->stream.get_executor();
    asio::co_spawn(
        executor, serve(site, conn), [self = shared_from_this(), id](std::exception_ptr e) {
          if (e)
            log::error("http connection failed", {{"connection", id}, {"error", log::what(e)}});
          std::lock_guard lock(self->mutex);
          self->live.erase(id);
        });
  }

  void stop() {
    for (auto& a : acceptors) {
      boost::system::error_code ignored;
      a->close(ignored);
    }
    std::lock_guard lock(mutex);
    stopping = true;
    for (const auto& [id, conn] : live) {
      asio::post(conn->stream.get_executor(), [conn = conn] {
        conn->stopping = true;
        if (conn->waker) conn->waker->wake();
        conn->stream.cancel();
      });
    }
  }
};

HttpServer::HttpServer(asio::io_context& io, ApiContext& context, RequestGuard guard,
                       HttpLimits limits)
    : state_(std::make_shared<State>(io, context, std::move(guard), limits)) {}

HttpServer::~HttpServer() = default;

std::uint16_t HttpServer::listen(const std::string& address,
                                 std::chrono::milliseconds accept_backoff) {
  auto acceptor = net::open_acceptor(state_->io, address, "http");
  const auto port = acceptor->local_endpoint().port();
  state_->acceptors.push_back(acceptor);
  const auto bound = acceptor->local_endpoint().address();
  State* state = state_.get();  // as the loop's coroutine did: `this` of a member
  net::start_accepting(
      acceptor, "http " + address.substr(0, address.rfind(':') + 1) + std::to_string(port),
      {// Each connection on a strand of the API's context (long-polls post to it).
       [state] { return asio::any_io_executor(asio::make_strand(state->io)); },
       [state, listener = ListenerAddress{bound.to_string(), bound.is_unspecified()}](
           tcp::socket socket, const tcp::endpoint&) { state->spawn(std::move(socket), listener); },
       accept_backoff});
  return port;
}

void HttpServer::stop() {
  // Callable from any thread (the signal handler runs on an SMTP context): the acceptors
  // and the connection list belong to the API's context.
  asio::dispatch(state_->io, [state = state_] { state->stop(); });
}

}  // namespace bounceback::api
