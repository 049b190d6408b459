// Listeners and lifetime: the SMTP listeners, the registry of live connections, and shutdown.
#include "net/smtp_server.hpp"

#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <mutex>
#include <set>
#include <stdexcept>
#include <vector>

#include "log/log.hpp"
#include "net/connection.hpp"
#include "net/endpoint.hpp"
#include "net/io_pool.hpp"
#include "net/listener.hpp"

namespace bounceback::net {

namespace asio = boost::asio;
using asio::ip::tcp;

struct SmtpServer::State : std::enable_shared_from_this<State> {
  State(IoPool& pool, ServerContext& ctx) : pool(pool), io(pool.main()), ctx(ctx), grace(io) {}

  IoPool& pool;
  asio::io_context& io;  // the acceptors, the grace timer, `on_stopped`
  ServerContext& ctx;
  std::vector<std::shared_ptr<tcp::acceptor>> acceptors;
  std::vector<std::shared_ptr<asio::local::stream_protocol::acceptor>> socket_files;
  std::vector<std::string> socket_paths;  // removed when the server stops
  asio::steady_timer grace;
  std::mutex mutex;
  std::set<std::shared_ptr<ConnectionControl>> live;
  bool stopping = false;
  std::function<void()> on_stopped;

  void spawn(tcp::socket socket, const tcp::endpoint& peer, bool implicit_tls, bool lmtp) {
    auto control = std::make_shared<ConnectionControl>();
    control->executor = socket.get_executor();
    {
      std::lock_guard lock(mutex);
      live.insert(control);
    }
    auto executor = socket.get_executor();
    asio::co_spawn(executor,
                   serve_connection(std::move(socket), peer, ctx, implicit_tls, lmtp, control),
                   [self = shared_from_this(), control](std::exception_ptr e) {
                     if (e) log::error("connection failed", {{"error", log::what(e)}});
                     self->finished(control);
                   });
  }

  void finished(const std::shared_ptr<ConnectionControl>& control) {
    std::function<void()> done;
    {
      std::lock_guard lock(mutex);
      live.erase(control);
      if (stopping && live.empty()) done = std::move(on_stopped);
    }
    if (done) asio::post(io, done);
  }

  void interrupt_all() {
    std::lock_guard lock(mutex);
    for (const auto& c : live) {
      // Run on the connection's context: interrupt is set there and touches its socket.
      asio::post(c->executor, [c] {
        if (c->interrupt) c->interrupt();
      });
    }
  }
};

SmtpServer::SmtpServer(IoPool& pool, ServerContext& context)
    : state_(std::make_shared<State>(pool, context)) {}

SmtpServer::~SmtpServer() = default;

std::uint16_t SmtpServer::listen(const std::string& address, bool implicit_tls) {
  return listen_as(address, implicit_tls ? "smtps" : "smtp");
}

std::uint16_t SmtpServer::listen_lmtp(const std::string& address) {
  if (!is_socket_path(address)) return listen_as(address, "lmtp");
  auto acceptor = open_socket_file(state_->io, address, "lmtp");
  state_->socket_files.push_back(acceptor);
  state_->socket_paths.push_back(address);
  State* state = state_.get();
  start_accepting(acceptor, "lmtp " + address,
                  {[state] { return asio::any_io_executor(state->pool.next().get_executor()); },
                   [state](tcp::socket socket, const tcp::endpoint& peer) {
                     state->spawn(std::move(socket), peer, false, true);
                   },
                   state->ctx.settings.accept_backoff});
  return 0;
}

std::uint16_t SmtpServer::listen_as(const std::string& address, std::string_view kind) {
  const bool implicit_tls = kind == "smtps", lmtp = kind == "lmtp";
  // With --reuse-port on, each event loop listens on a socket of its own (SO_REUSEPORT) and
  // keeps what it accepts: no hand-off to another thread per connection (docs/benchmarks.md,
  // "--threads"). Without it, one socket on context 0 deals connections out in turn: another
  // process must not be able to join the port unasked.
  const auto& settings = state_->ctx.settings;
  const std::size_t listeners = settings.reuse_port ? state_->pool.size() : 1;
  std::string bound = address;  // after the first socket, its port (port 0 picks one)
  std::uint16_t port = 0;
  for (std::size_t i = 0; i < listeners; ++i) {
    auto& io = listeners > 1 ? state_->pool.at(i) : state_->io;
    auto acceptor = open_acceptor(io, bound, std::string(kind), settings.reuse_port);
    // Accepted sockets inherit TCP_NODELAY from the listener on Linux: no setsockopt per
    // connection (connection.cpp sets it on other systems).
    boost::system::error_code ignored;
    acceptor->set_option(tcp::no_delay(true), ignored);
    if (i == 0) {
      port = acceptor->local_endpoint().port();
      bound = address.substr(0, address.rfind(':') + 1) + std::to_string(port);
    }
    state_->acceptors.push_back(acceptor);
    State* state = state_.get();  // as the loop's coroutine did: `this` of a member
    auto* own = listeners > 1 ? &io : nullptr;
    start_accepting(
        acceptor, std::string(kind) + ' ' + bound,
        {// A connection lives on one context: no strand needed.
         [state, own] {
           return asio::any_io_executor((own ? *own : state->pool.next()).get_executor());
         },
         [state, implicit_tls, lmtp](tcp::socket socket, const tcp::endpoint& peer) {
           state->spawn(std::move(socket), peer, implicit_tls, lmtp);
         },
         settings.accept_backoff});
  }
  return port;
}

void SmtpServer::stop(std::function<void()> done) {
  auto state = state_;
  for (auto& a : state->acceptors) {
    boost::system::error_code ignored;
    a->close(ignored);
  }
  for (auto& a : state->socket_files) {
    boost::system::error_code ignored;
    a->close(ignored);
  }
  for (const auto& path : state->socket_paths) ::unlink(path.c_str());  // no stale socket left
  {
    std::lock_guard lock(state->mutex);
    state->stopping = true;
    if (state->live.empty()) {
      asio::post(state->io, std::move(done));
      return;
    }
    state->on_stopped = std::move(done);
    // A hang whose client half-closed never finishes: no grace for it.
    for (const auto& c : state->live)
      if (c->hung_after_eof.load(std::memory_order_relaxed))
        asio::post(c->executor, [c] {
          if (c->interrupt) c->interrupt();
        });
  }
  // Sessions in flight get the grace period to finish; the rest are told 421 4.3.2.
  state->grace.expires_after(state->ctx.settings.shutdown_grace);
  state->grace.async_wait([state](boost::system::error_code) { state->interrupt_all(); });
}

}  // namespace bounceback::net
