// One SMTP connection: the transport half of a session. Admits it (connection limits), then
// carries out with Asio the effects the pure smtp::SessionDriver asks for: reads under an
// idle deadline, writes, waits, the TLS handshake, stores, hangs and the close. Plain and
// TLS share this one body.
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <memory>

#include "net/smtp_server.hpp"

namespace bounceback::net {

// Lets the server interrupt a connection at shutdown; set and run on the connection's context
// (one thread).
struct ConnectionControl {
  boost::asio::any_io_executor executor;  // the connection's io_context
  std::function<void()> interrupt;
  // Hung with a client that half-closed: it will never finish, so shutdown interrupts it at
  // once instead of granting it the grace period. Written on the connection's thread, read
  // by the one stopping the server.
  std::atomic<bool> hung_after_eof{false};
};

// `remote`: the peer address as accept() reported it; `lmtp`: an LMTP listener's connection.
boost::asio::awaitable<void> serve_connection(boost::asio::ip::tcp::socket socket,
                                              boost::asio::ip::tcp::endpoint remote,
                                              ServerContext& context, bool implicit_tls, bool lmtp,
                                              std::shared_ptr<ConnectionControl> control);

}  // namespace bounceback::net
