// Sleeping until woken or the client leaves (see waker.hpp).
#include "api/http/waker.hpp"

#include <sys/socket.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>

namespace bounceback::api {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;

asio::awaitable<WaitEnd> sleep(tcp::socket& socket, bool& watch_peer, Waker& waker) {
  constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);
  if (!watch_peer) {
    auto [ec] = co_await waker.timer.async_wait(tuple_awaitable);
    co_return ec ? WaitEnd::woken : WaitEnd::timed_out;
  }
  auto end = co_await (waker.timer.async_wait(tuple_awaitable) ||
                       socket.async_wait(tcp::socket::wait_read, tuple_awaitable));
  if (end.index() == 0)
    co_return std::get<0>(std::get<0>(end)) ? WaitEnd::woken : WaitEnd::timed_out;
  if (std::get<0>(std::get<1>(end)) == asio::error::operation_aborted) co_return WaitEnd::woken;
  if (std::get<0>(std::get<1>(end))) co_return WaitEnd::client_left;
  // Readable: a byte to peek means a pipelined request, none means end of stream.
  char byte = 0;
  const auto n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n > 0) {
    watch_peer = false;
    co_return WaitEnd::woken;
  }
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
    co_return WaitEnd::woken;
  co_return WaitEnd::client_left;
}

}  // namespace bounceback::api
