// Endpoint parsing: "127.0.0.1:1025", "[::1]:1025", "localhost:1025", ":1025" (all addresses).
#include "net/endpoint.hpp"

#include <boost/asio/ip/v6_only.hpp>
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
                                                              const std::string& what) {
  using boost::asio::ip::tcp;
  const tcp::endpoint endpoint = parse_endpoint(address);
  auto acceptor = std::make_shared<tcp::acceptor>(io);
  boost::system::error_code ec;
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec && endpoint.address().is_v6()) acceptor->set_option(boost::asio::ip::v6_only(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(4096, ec);
  if (ec)
    throw std::runtime_error("cannot listen on " + address + " (" + what + "): " + ec.message());
  return acceptor;
}

}  // namespace bounceback::net
