// Serving one connection: reads each request with bounded headers and body and a timeout,
// refuses what is malformed, screens it with the request guard, runs the route (and its
// long-poll or event stream), writes the answer (see connection.hpp).
#include "api/http/connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>

#include "api/http/beast_message.hpp"
#include "log/log.hpp"

namespace bounceback::api {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

bool is_http_error(const boost::system::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_target).category();
}

// Runs the route; completes a long-poll here, and an event stream to its end (then the
// response returned still has Deferred::Kind::events and nothing is left to write).
asio::awaitable<Response> respond(const Site& site, std::shared_ptr<HttpConnection> conn,
                                  BeastRequest& req, bool head, const Headers& cors) {
  const unsigned version = req.version();
  bool bad = false;
  Request request = to_request(req, bad);
  Response resp;
  const auto run = [&] {
    try {
      resp = bad ? error_response(400, "malformed query string") : site.router.handle(request);
    } catch (const std::exception& e) {
      log::error("http handler failed", {{"path", request.path}, {"error", e.what()}});
      resp = error_response(500, "internal error");
    }
  };
  run();
  // A route that did a bounded step of its work runs again once the loop's other ready
  // handlers (other requests) ran: a long piece of work is a series of short ones.
  while (resp.deferred.kind == Deferred::Kind::again) {
    auto executor = conn->stream.get_executor();
    co_await asio::post(executor, asio::use_awaitable);
    run();
  }
  allow_head(resp);
  if (resp.deferred.kind == Deferred::Kind::events) {
    co_await stream_events(site, conn, version, resp.deferred.filter, head, cors);
  } else if (resp.deferred.kind == Deferred::Kind::wait) {
    resp = co_await long_poll(site, conn, resp.deferred);
  }
  co_return resp;
}

}  // namespace

asio::awaitable<void> serve(const Site& site, std::shared_ptr<HttpConnection> conn) {
  const HttpLimits& limits = site.limits;
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(limits.header_bytes));
    parser.body_limit(limits.body_bytes);
    conn->stream.expires_after(conn->reserve ? std::min(limits.idle, limits.reserve_idle)
                                             : limits.idle);
    auto [ec, n] = co_await http::async_read_header(conn->stream, buffer, parser, tuple_awaitable);
    if (!ec && !framing_is_sound(parser)) {
      Response r =
          error_response(400,
                         "malformed HTTP request: Transfer-Encoding must be exactly \"chunked\", "
                         "without Content-Length");
      if (co_await write(limits, *conn, r, 11, false)) co_await drain(limits, *conn);
      break;
    }
    if (!ec && parser.get()[http::field::expect] == "100-continue" && !parser.is_done()) {
      // curl waits for this before sending a larger body (RFC 9110 §10.1.1).
      static constexpr std::string_view cont = "HTTP/1.1 100 Continue\r\n\r\n";
      conn->stream.expires_after(limits.io);
      std::tie(ec, n) =
          co_await asio::async_write(conn->stream, asio::buffer(cont), tuple_awaitable);
    }
    if (!ec) {
      conn->stream.expires_after(limits.io);
      std::tie(ec, n) = co_await http::async_read(conn->stream, buffer, parser, tuple_awaitable);
    }
    if (ec) {
      // Expected ends: the client left (eof, reset) or went silent (timeout), or we stop.
      if (ec == http::error::body_limit) {
        Response r = error_response(
            413, "request body larger than " + std::to_string(limits.body_bytes) + " bytes");
        if (co_await write(limits, *conn, r, 11, false)) co_await drain(limits, *conn);
      } else if (ec == http::error::header_limit) {
        Response r = error_response(431, "request header too large");
        co_await write(limits, *conn, r, 11, false);
      } else if (is_http_error(ec) && ec != http::error::end_of_stream &&
                 ec != http::error::partial_message) {
        // Framing errors: what follows on the connection is not read as a request.
        Response r = error_response(400, "malformed HTTP request: " + ec.message());
        if (co_await write(limits, *conn, r, 11, false)) co_await drain(limits, *conn);
      }
      break;
    }
    auto& req = parser.get();
    const unsigned version = req.version();
    const bool head = req.method() == http::verb::head;
    bool keep = req.keep_alive() && !conn->reserve;
    Verdict verdict =
        site.guard.screen(guard_input(req, conn->listener.literal, conn->listener.any));
    Response resp;
    if (verdict.answer) {
      resp = std::move(*verdict.answer);
    } else if (conn->reserve && !health_route(req.method_string(), req.target())) {
      resp = error_response(503, "too many connections: only /healthz and /metrics answer");
      resp.headers.emplace_back("Retry-After", "1");
    } else {
      resp = co_await respond(site, conn, req, head, verdict.cors);
      // An event stream has ended; a long-poll's client has gone: nothing to write.
      if (resp.deferred.kind == Deferred::Kind::events || conn->client_left) break;
    }
    for (auto& h : verdict.cors) resp.headers.push_back(std::move(h));
    keep = keep && !conn->stopping;
    if (!co_await write(limits, *conn, resp, version, keep, head) || !keep) break;
  }
  boost::system::error_code ignored;
  conn->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

}  // namespace bounceback::api
