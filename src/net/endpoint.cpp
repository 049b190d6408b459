// Endpoint parsing and listening sockets (TCP and UNIX): "127.0.0.1:1025", "[::1]:1025",
// "localhost:1025", ":1025" (all addresses).
#include "net/endpoint.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <cerrno>
#include <charconv>
#include <stdexcept>

namespace bounceback::net {

boost::asio::ip::tcp::endpoint parse_endpoint(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos)
    throw std::runtime_error("expected ADDR:PORT, got '" + text + "'");
  std::string host = text.substr(0, colon);
  const std::string port_text = text.substr(colon + 1);
  unsigned port = 0;
  const auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || p != port_text.data() + port_text.size() || port > 65535)
    throw std::runtime_error("bad port in '" + text + "'");
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (host.empty()) host = "0.0.0.0";
  if (host == "localhost") host = "127.0.0.1";
  boost::system::error_code error;
  const auto address = boost::asio::ip::make_address(host, error);
  if (error) throw std::runtime_error("bad address in '" + text + "': " + error.message());
  return {address, static_cast<unsigned short>(port)};
}

std::shared_ptr<boost::asio::ip::tcp::acceptor> open_acceptor(boost::asio::io_context& io,
                                                              const std::string& address,
                                                              const std::string& what,
                                                              bool reuse_port) {
  using boost::asio::ip::tcp;
  const tcp::endpoint endpoint = parse_endpoint(address);
  auto acceptor = std::make_shared<tcp::acceptor>(io);
  boost::system::error_code ec;
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec && reuse_port) {
    const int on = 1;
    if (::setsockopt(acceptor->native_handle(), SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) != 0)
      ec.assign(errno, boost::system::generic_category());
  }
  if (!ec && endpoint.address().is_v6()) acceptor->set_option(boost::asio::ip::v6_only(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(4096, ec);
  if (ec)
    throw std::runtime_error("cannot listen on " + address + " (" + what + "): " + ec.message());
  return acceptor;
}

bool is_socket_path(const std::string& address) {
  return address.find('/') != std::string::npos;
}

std::shared_ptr<boost::asio::local::stream_protocol::acceptor> open_socket_file(
    boost::asio::io_context& io, const std::string& path, const std::string& what) {
  using local = boost::asio::local::stream_protocol;
  const auto fail = [&](const std::string& why) {
    return std::runtime_error("cannot listen on " + path + " (" + what + "): " + why);
  };
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) throw fail("the file exists and is not a socket");
    // Someone accepting there is a running server: never take its address away.
    local::socket probe(io);
    boost::system::error_code ec;
    probe.connect(local::endpoint(path), ec);
    if (!ec) throw fail("another server listens there");
    if (ec != boost::asio::error::connection_refused) throw fail(ec.message());
    ::unlink(path.c_str());  // stale: left by a server that did not remove it
  }
  auto acceptor = std::make_shared<local::acceptor>(io);
  boost::system::error_code ec;
  acceptor->open(local(), ec);
  if (!ec) acceptor->bind(local::endpoint(path), ec);
  if (!ec && ::chmod(path.c_str(), 0666) != 0) ec.assign(errno, boost::system::generic_category());
  if (!ec) acceptor->listen(4096, ec);
  if (ec) throw fail(ec.message());
  return acceptor;
}

}  // namespace bounceback::net
