// Listener addresses: "ADDR:PORT" and "[v6]:PORT" parsing, and opening a listening socket.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <string>

namespace bounceback::net {

// Throws std::runtime_error naming the text when it is not a valid address and port.
boost::asio::ip::tcp::endpoint parse_endpoint(const std::string& text);

// Binds and listens on `address` (address reuse; IPv6 sockets are v6-only so "[::]" and
// "0.0.0.0" can both be listened on). Throws std::runtime_error naming `address` and `what`.
std::shared_ptr<boost::asio::ip::tcp::acceptor> open_acceptor(boost::asio::io_context& io,
                                                              const std::string& address,
                                                              const std::string& what);

}  // namespace bounceback::net
