// --return-relay: delivers each generated message (DSN, auto-reply, complaint) over SMTP to one
// relay, as a coroutine of the event loop: EHLO, MAIL, RCPT, DATA, QUIT, each reply within a
// timeout and read into a bounded buffer; a 4xx or a failed connection is retried with a
// bounded back-off, a 5xx given up; every outcome logged and counted.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <string>

#include "net/relay_counters.hpp"
#include "smtp/message.hpp"

namespace bounceback::net {

class ReturnRelay {
 public:
  static constexpr int max_attempts = 5;  // back-off 1s, 2s, 4s, 8s between them
  static constexpr std::size_t max_in_flight = 1000;
  static constexpr std::chrono::seconds reply_timeout{30};  // each reply, and the connect

  // `relay` is "ADDR:PORT" (throws std::runtime_error when it is not); `helo` the EHLO name.
  ReturnRelay(boost::asio::io_context& io, const std::string& relay, std::string helo);

  // Any thread: sends a copy of `message` (its envelope and data) on the event loop.
  void send(const smtp::AcceptedMessage& message);
  const RelayCounters& counters() const { return counters_; }

 private:
  boost::asio::io_context& io_;
  boost::asio::ip::tcp::endpoint endpoint_;
  std::string relay_, helo_;
  RelayCounters counters_;
};

}  // namespace bounceback::net
