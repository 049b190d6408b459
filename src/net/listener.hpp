// The accept loop every listener runs (SMTP, SMTPS and the HTTP API): accepts until its
// acceptor is closed, opens each connection on the executor its server picks, and backs
// off briefly when accept fails (out of file descriptors and the like) rather than spin.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace bounceback::net {

// Where an accepted connection lives, and what the server does with it.
struct AcceptHandlers {
  std::function<boost::asio::any_io_executor()> place;  // called once per accept
  std::function<void(boost::asio::ip::tcp::socket, const boost::asio::ip::tcp::endpoint& peer)>
      accepted;
  // The pause after a failed accept (net::Settings::accept_backoff says why).
  std::chrono::milliseconds backoff;
};

// Runs the accept loop of `acceptor` on its own executor until the acceptor is closed.
// `name` ("smtp 127.0.0.1:1025") labels its log lines.
void start_accepting(std::shared_ptr<boost::asio::ip::tcp::acceptor> acceptor, std::string name,
                     AcceptHandlers handlers);
// The same for a UNIX-domain socket (--lmtp /path): each connection is handed over in a
// tcp::socket holding its descriptor, with an unspecified peer (its client_ip is "unknown").
void start_accepting(std::shared_ptr<boost::asio::local::stream_protocol::acceptor> acceptor,
                     std::string name, AcceptHandlers handlers);

}  // namespace bounceback::net
