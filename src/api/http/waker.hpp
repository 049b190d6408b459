// How a long-poll or an event stream sleeps: until its timer expires, something wakes it, or
// the client leaves. Asio only (no Beast).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <string>

namespace bounceback::api {

// A wake-up for a coroutine waiting on a timer: `pending` remembers a wake that arrived
// before the wait began. Touched only on the connection's strand.
struct Waker {
  explicit Waker(const boost::asio::any_io_executor& ex) : timer(ex) {}
  boost::asio::steady_timer timer;
  bool pending = false;
  std::deque<std::string> events;  // SSE only
  bool overflow = false;
  void wake() {
    pending = true;
    timer.cancel();
  }
};

// How a wait for a wake-up ended.
enum class WaitEnd { woken, timed_out, client_left };

// Sleeps until the waker's timer expires or is woken, or (while `watch_peer`) the client
// closes or resets `socket`: a long-poll or event stream it left frees its slot at once.
// Pipelined bytes are left unread for the next request; they also show the client is still
// there (then `watch_peer` turns false).
boost::asio::awaitable<WaitEnd> sleep(boost::asio::ip::tcp::socket& socket, bool& watch_peer,
                                      Waker& waker);

}  // namespace bounceback::api
