// "ADDR:PORT" and "[v6]:PORT" parsing for listener options.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <string>

namespace bounceback::net {

// Throws std::runtime_error naming the text when it is not a valid address and port.
boost::asio::ip::tcp::endpoint parse_endpoint(const std::string& text);

}  // namespace bounceback::net
