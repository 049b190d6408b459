// The shared accept loop (see listener.hpp).
#include "net/listener.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "log/log.hpp"

namespace bounceback::net {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

asio::awaitable<void> accept_loop(std::shared_ptr<tcp::acceptor> acceptor, std::string name,
                                  AcceptHandlers handlers) {
  constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);
  for (;;) {
    // accept() reports the peer: no getpeername per connection.
    tcp::endpoint peer;
    auto [ec, socket] = co_await acceptor->async_accept(handlers.place(), peer, tuple_awaitable);
    if (ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
    if (ec) {
      log::warn("accept failed", {{"listener", name}, {"error", ec.message()}});
      asio::steady_timer pause(acceptor->get_executor(), handlers.backoff);
      co_await pause.async_wait(tuple_awaitable);
      continue;
    }
    handlers.accepted(std::move(socket), peer);
  }
}

}  // namespace

void start_accepting(std::shared_ptr<tcp::acceptor> acceptor, std::string name,
                     AcceptHandlers handlers) {
  auto executor = acceptor->get_executor();
  asio::co_spawn(executor, accept_loop(std::move(acceptor), name, std::move(handlers)),
                 [name](std::exception_ptr e) {
                   if (e)
                     log::error("accept loop ended unexpectedly",
                                {{"listener", name}, {"error", log::what(e)}});
                 });
}

}  // namespace bounceback::net
