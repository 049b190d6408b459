// Listener addresses: "ADDR:PORT" and "[v6]:PORT" parsing, and opening a listening socket.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <memory>
#include <string>

namespace bounceback::net {

// Throws std::runtime_error naming the text when it is not a valid address and port.
boost::asio::ip::tcp::endpoint parse_endpoint(const std::string& text);

// Binds and listens on `address` (address reuse; IPv6 sockets are v6-only so "[::]" and
// "0.0.0.0" can both be listened on). `reuse_port`: SO_REUSEPORT, so that other processes
// (with it too) can listen on the same address. Throws std::runtime_error naming `address`
// and `what`.
std::shared_ptr<boost::asio::ip::tcp::acceptor> open_acceptor(boost::asio::io_context& io,
                                                              const std::string& address,
                                                              const std::string& what,
                                                              bool reuse_port = false);

// A listener address that names a UNIX-domain socket: it holds a '/' ("/run/bb/lmtp",
// "./lmtp.sock"); "ADDR:PORT" never does.
bool is_socket_path(const std::string& address);

// Binds and listens on the UNIX socket `path`. A stale socket file there (nothing accepts on
// it: a server that died) is replaced; a live one, or a file that is not a socket, is an
// error. The socket file is made mode 0666, as a test double's: the local MTA (Postfix's lmtp
// client runs as `postfix`) must be able to connect; a directory's permissions restrict who
// reaches it. Throws std::runtime_error naming `path` and `what`.
std::shared_ptr<boost::asio::local::stream_protocol::acceptor> open_socket_file(
    boost::asio::io_context& io, const std::string& path, const std::string& what);

}  // namespace bounceback::net
