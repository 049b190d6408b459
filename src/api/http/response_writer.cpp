// Writing a response: whole, headers only (HEAD, 204), or streamed piece by piece; and
// draining what a refused client still sends (see connection.hpp).
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>

#include "api/http/beast_message.hpp"
#include "api/http/connection.hpp"

namespace bounceback::api {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::ip::tcp;

namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

// A streamed body (Response::stream): chunked in HTTP/1.1, ended by the close in HTTP/1.0
// (then false: the connection must close). A piece is made only once the one before it is
// written, so memory holds one piece (one session of a list), and a client that reads
// slowly slows only itself. `head`: the same header, nothing after it.
asio::awaitable<bool> write_stream(const HttpLimits& limits, HttpConnection& conn, Response& resp,
                                   unsigned version, bool keep, bool head) {
  constexpr std::size_t piece_bytes = 64 * 1024;
  const bool chunked = version >= 11;
  http::response<http::empty_body> res{static_cast<http::status>(resp.status), version};
  set_headers(res, resp);
  res.keep_alive(keep && chunked);
  if (chunked) res.chunked(true);
  http::response_serializer<http::empty_body> sr{res};
  conn.stream.expires_after(limits.io);
  auto [ec, n] = co_await http::async_write_header(conn.stream, sr, tuple_awaitable);
  if (head) co_return !ec && chunked && keep;
  std::string piece;
  for (bool more = true; !ec && more;) {
    piece.clear();
    while (more && piece.size() < piece_bytes) more = resp.stream(piece);
    if (piece.empty()) continue;
    conn.stream.expires_after(limits.io);
    if (chunked)
      std::tie(ec, n) = co_await asio::async_write(
          conn.stream, http::make_chunk(asio::buffer(piece)), tuple_awaitable);
    else
      std::tie(ec, n) =
          co_await asio::async_write(conn.stream, asio::buffer(piece), tuple_awaitable);
    if (piece.capacity() > 4 * piece_bytes) piece = std::string();  // after a large element
  }
  if (!ec && chunked)
    std::tie(ec, n) =
        co_await asio::async_write(conn.stream, http::make_chunk_last(), tuple_awaitable);
  co_return !ec && chunked && keep;
}

}  // namespace

asio::awaitable<bool> write(const HttpLimits& limits, HttpConnection& conn, Response& resp,
                            unsigned version, bool keep, bool head) {
  conn.stream.expires_after(limits.io);
  const auto status = static_cast<http::status>(resp.status);
  // A 204 has neither a body nor a Content-Length (RFC 9110 §8.6).
  const bool no_content = status == http::status::no_content;
  if (head && resp.stream) co_return co_await write_stream(limits, conn, resp, version, keep, true);
  if (head || no_content) {
    http::response<http::empty_body> res{status, version};
    set_headers(res, resp);
    if (!no_content) res.content_length(resp.body.size());
    res.keep_alive(keep);
    auto [ec, n] = co_await http::async_write(conn.stream, res, tuple_awaitable);
    co_return !ec;
  }
  if (resp.stream) co_return co_await write_stream(limits, conn, resp, version, keep, false);
  http::response<http::string_body> res{status, version};
  set_headers(res, resp);
  res.body() = std::move(resp.body);
  res.keep_alive(keep);
  res.prepare_payload();
  auto [ec, n] = co_await http::async_write(conn.stream, res, tuple_awaitable);
  co_return !ec;
}

asio::awaitable<void> drain(const HttpLimits& limits, HttpConnection& conn) {
  boost::system::error_code ignored;
  conn.stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  std::array<char, 16 * 1024> scratch;
  std::size_t total = 0;
  conn.stream.expires_after(std::chrono::seconds(5));
  while (total < 64 * limits.body_bytes) {
    auto [ec, n] = co_await conn.stream.async_read_some(asio::buffer(scratch), tuple_awaitable);
    if (ec) break;
    total += n;
  }
}

}  // namespace bounceback::api
