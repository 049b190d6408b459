// The shared accept loop (see listener.hpp).
#include "net/listener.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "log/log.hpp"

namespace bounceback::net {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

using local_acceptor = asio::local::stream_protocol::acceptor;

// One accepted connection as the server takes it: a TCP socket and its peer. A UNIX-socket
// connection rides in a tcp::socket too: Asio only reads and writes its descriptor, and the
// TCP options the server sets on it fail harmlessly (their errors are ignored); its peer is
// unknown (an unspecified endpoint).
asio::awaitable<std::tuple<boost::system::error_code, tcp::socket, tcp::endpoint>> accept_one(
    tcp::acceptor& acceptor, const asio::any_io_executor& place) {
  tcp::endpoint peer;  // accept() reports the peer: no getpeername per connection
  auto [ec, socket] =
      co_await acceptor.async_accept(place, peer, asio::as_tuple(asio::use_awaitable));
  co_return std::tuple{ec, std::move(socket), peer};
}

asio::awaitable<std::tuple<boost::system::error_code, tcp::socket, tcp::endpoint>> accept_one(
    local_acceptor& acceptor, const asio::any_io_executor& place) {
  auto [ec, local] = co_await acceptor.async_accept(place, asio::as_tuple(asio::use_awaitable));
  tcp::socket socket(place);
  if (!ec) {
    const auto fd = local.release(ec);
    if (!ec) socket.assign(tcp::v4(), fd, ec);
  }
  co_return std::tuple{ec, std::move(socket), tcp::endpoint{}};
}

template <class Acceptor>
asio::awaitable<void> accept_loop(std::shared_ptr<Acceptor> acceptor, std::string name,
                                  AcceptHandlers handlers) {
  constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);
  for (;;) {
    auto [ec, socket, peer] = co_await accept_one(*acceptor, handlers.place());
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

template <class Acceptor>
void start(std::shared_ptr<Acceptor> acceptor, std::string name, AcceptHandlers handlers) {
  auto executor = acceptor->get_executor();
  asio::co_spawn(executor, accept_loop(std::move(acceptor), name, std::move(handlers)),
                 [name](std::exception_ptr e) {
                   if (e)
                     log::error("accept loop ended unexpectedly",
                                {{"listener", name}, {"error", log::what(e)}});
                 });
}

}  // namespace

void start_accepting(std::shared_ptr<tcp::acceptor> acceptor, std::string name,
                     AcceptHandlers handlers) {
  start(std::move(acceptor), std::move(name), std::move(handlers));
}

void start_accepting(std::shared_ptr<local_acceptor> acceptor, std::string name,
                     AcceptHandlers handlers) {
  start(std::move(acceptor), std::move(name), std::move(handlers));
}

}  // namespace bounceback::net
