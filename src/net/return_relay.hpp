// --return-relay: delivers each generated message (DSN, auto-reply, complaint) over SMTP to one
// relay, as a coroutine of the event loop: the relay's name resolved (asynchronously) at each
// attempt, EHLO, STARTTLS when offered (--return-relay-tls), MAIL, RCPT, DATA, QUIT, each reply
// within a timeout and read into a bounded buffer; a 4xx or a failed connection is retried
// with a bounded back-off, a 5xx given up; every outcome logged and counted.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "net/relay_counters.hpp"
#include "net/settings.hpp"
#include "smtp/message.hpp"

namespace boost::asio::ssl {
class context;
}  // namespace boost::asio::ssl

namespace bounceback::net {

class ReturnRelay {
 public:
  static constexpr int max_attempts = 5;  // back-off 1s, 2s, 4s, 8s between them
  static constexpr std::size_t max_in_flight = 1000;
  // Each step: resolving, connecting, each reply, the TLS handshake.
  static constexpr std::chrono::seconds reply_timeout{30};

  // `settings.return_relay` is "HOST:PORT" or "[IPv6]:PORT" (throws std::runtime_error when it
  // is not, or when --return-relay-ca cannot be read); `helo` is the EHLO name.
  ReturnRelay(boost::asio::io_context& io, const Settings& settings, std::string helo);
  ~ReturnRelay();

  // Any thread: sends a copy of `message` (its envelope and data) on the event loop.
  void send(const smtp::AcceptedMessage& message);
  const RelayCounters& counters() const { return counters_; }

  // Where and how to deliver, shared by the attempts.
  struct Target {
    std::string host, port, text;  // text: as given, for the log
    RelayTls tls = RelayTls::may;
    std::string helo;
  };

 private:
  boost::asio::io_context& io_;
  Target target_;
  std::unique_ptr<boost::asio::ssl::context> tls_;  // null with --return-relay-tls none
  RelayCounters counters_;
};

}  // namespace bounceback::net
