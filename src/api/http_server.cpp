// Beast transport for the API: the only translation unit of src/api that sees Asio/Beast.
// Routing and JSON live in router.cpp; this file reads requests, writes responses, and runs
// the deferred work (long-polls, event streams) on each connection's strand.
#include "api/http_server.hpp"

#include <sys/socket.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

#include "api/router.hpp"
#include "api/url.hpp"
#include "log/log.hpp"
#include "net/endpoint.hpp"

namespace bounceback::api {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

namespace {

// Unsubscribes when the coroutine frame ends, however it ends (also when the io_context
// destroys a suspended frame at exit).
class Subscription {
 public:
  Subscription(store::MessageStore& store, store::MessageStore::Observer observer)
      : store_(store), token_(store.subscribe(std::move(observer))) {}
  ~Subscription() { store_.unsubscribe(token_); }
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;

 private:
  store::MessageStore& store_;
  std::uint64_t token_;
};

// The same for the feed of session and refusal events.
class FeedSubscription {
 public:
  FeedSubscription(store::EventFeed* feed, store::EventFeed::Observer observer)
      : feed_(feed), token_(feed ? feed->subscribe(std::move(observer)) : 0) {}
  ~FeedSubscription() {
    if (feed_) feed_->unsubscribe(token_);
  }
  FeedSubscription(const FeedSubscription&) = delete;
  FeedSubscription& operator=(const FeedSubscription&) = delete;

 private:
  store::EventFeed* feed_;
  std::uint64_t token_;
};

// A wake-up for a coroutine waiting on a timer: `pending` remembers a wake that arrived
// before the wait began. Touched only on the connection's strand.
struct Waker {
  explicit Waker(const asio::any_io_executor& ex) : timer(ex) {}
  asio::steady_timer timer;
  bool pending = false;
  std::deque<std::string> events;  // SSE only
  bool overflow = false;
  void wake() {
    pending = true;
    timer.cancel();
  }
};

bool is_http_error(const boost::system::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_target).category();
}

// RFC 9112 §6.1, §6.3: the only transfer coding we decode is chunked, alone; anything else
// ("xchunked", "identity", "gzip, chunked", two Transfer-Encoding fields, one next to a
// Content-Length, any in HTTP/1.0) leaves the body's length in doubt, so the request is
// refused and the connection closed before what follows can be read as a request.
bool framing_is_sound(const http::request_parser<http::string_body>& parser) {
  const auto& req = parser.get();
  const auto [first, last] = req.equal_range(http::field::transfer_encoding);
  const auto count = std::distance(first, last);
  if (count == 0) return true;
  if (count > 1 || req.version() < 11 || req.count(http::field::content_length) > 0) return false;
  std::string_view value = first->value();
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  return beast::iequals(value, "chunked");
}

template <class Name>
std::optional<std::string_view> field(const http::fields& fields, Name name) {
  const auto it = fields.find(name);
  if (it == fields.end()) return std::nullopt;
  return std::string_view(it->value());
}

// What the request guard reads from a request.
GuardInput guard_input(const http::request<http::string_body>& req, std::string_view listener,
                       bool listener_any) {
  GuardInput in;
  in.method = req.method_string();
  in.version = req.version();
  in.host = field(req, http::field::host);
  in.host_count = req.count(http::field::host);
  in.origin = field(req, http::field::origin);
  in.sec_fetch_site = field(req, "Sec-Fetch-Site");
  in.preflight_method = field(req, http::field::access_control_request_method);
  const auto pna = field(req, "Access-Control-Request-Private-Network");
  in.private_network = pna && beast::iequals(*pna, "true");
  in.listener = listener;
  in.listener_any = listener_any;
  return in;
}

// Routes a reserve connection (past --max-connections) may use.
bool health_route(std::string_view method, std::string_view target) {
  const std::string_view path = target.substr(0, target.find('?'));
  return (method == "GET" || method == "HEAD") && (path == "/healthz" || path == "/metrics");
}

// The Allow header of a 405 names HEAD wherever GET is allowed (the transport serves HEAD).
void allow_head(Response& resp) {
  for (auto& [name, value] : resp.headers)
    if (name == "Allow" && value.find("GET") != std::string::npos &&
        value.find("HEAD") == std::string::npos)
      value.replace(value.find("GET"), 3, "GET, HEAD");
}

// For every response without its own policy: nothing in it may load, run or be framed.
constexpr std::string_view default_csp = "default-src 'none'; frame-ancestors 'none'";

}  // namespace

// How a wait for a wake-up ended.
enum class WaitEnd { woken, timed_out, client_left };

// The address of a listener, as the request guard compares it with Host.
struct ListenerAddress {
  std::string literal;  // "127.0.0.1", "::1"
  bool any = false;     // bound to 0.0.0.0 or ::
};

// One connection; its fields are touched only on its strand.
struct Connection {
  Connection(tcp::socket socket, ListenerAddress listener, bool reserve)
      : stream(std::move(socket)), listener(std::move(listener)), reserve(reserve) {}
  beast::tcp_stream stream;
  ListenerAddress listener;
  bool reserve;                  // accepted past max_connections: health routes only
  std::shared_ptr<Waker> waker;  // while a long-poll or an event stream waits
  bool watch_peer = true;        // a wait also watches for the client leaving
  bool client_left = false;      // seen while waiting: nothing more to write
  bool stopping = false;
};

struct HttpServer::State : std::enable_shared_from_this<State> {
  State(asio::io_context& io, ApiContext& ctx, RequestGuard guard, HttpLimits limits)
      : io(io), router(ctx), guard(std::move(guard)), limits(limits) {}

  asio::io_context& io;
  Router router;
  RequestGuard guard;
  HttpLimits limits;
  std::vector<std::shared_ptr<tcp::acceptor>> acceptors;
  std::mutex mutex;
  std::unordered_map<std::uint64_t, std::shared_ptr<Connection>> live;
  std::uint64_t next_id = 1;
  bool stopping = false;

  asio::awaitable<void> accept_loop(std::shared_ptr<tcp::acceptor> acceptor) {
    const auto bound = acceptor->local_endpoint().address();
    const ListenerAddress listener{bound.to_string(), bound.is_unspecified()};
    for (;;) {
      auto [ec, socket] = co_await acceptor->async_accept(asio::make_strand(io), tuple_awaitable);
      if (ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
      if (ec) {  // EMFILE and the like: back off briefly rather than spin
        log::warn("http accept failed", {{"error", ec.message()}});
        asio::steady_timer pause(io, std::chrono::milliseconds(50));
        co_await pause.async_wait(tuple_awaitable);
        continue;
      }
      spawn(std::move(socket), listener);
    }
  }

  void spawn(tcp::socket socket, const ListenerAddress& listener) {
    std::shared_ptr<Connection> conn;
    std::uint64_t id = 0;
    {
      std::lock_guard lock(mutex);
      const std::size_t open = live.size();
      if (stopping || open >= limits.max_connections + limits.reserved_connections)
        return;  // closes the socket
      conn =
          std::make_shared<Connection>(std::move(socket), listener, open >= limits.max_connections);
      id = next_id++;
      live.emplace(id, conn);
    }
    const auto executor = conn->stream.get_executor();
    asio::co_spawn(executor, serve(conn), [self = shared_from_this(), id](std::exception_ptr e) {
      if (e) {
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          log::error("http connection failed", {{"connection", id}, {"error", ex.what()}});
        } catch (...) {
          log::error("http connection failed", {{"connection", id}});
        }
      }
      std::lock_guard lock(self->mutex);
      self->live.erase(id);
    });
  }

  void stop() {
    for (auto& a : acceptors) {
      boost::system::error_code ignored;
      a->close(ignored);
    }
    std::lock_guard lock(mutex);
    stopping = true;
    for (const auto& [id, conn] : live) {
      asio::post(conn->stream.get_executor(), [conn = conn] {
        conn->stopping = true;
        if (conn->waker) conn->waker->wake();
        conn->stream.cancel();
      });
    }
  }

  static Request to_request(http::request<http::string_body>& req, bool& bad) {
    Request r;
    // HEAD runs the GET route; write() sends its headers without the body.
    r.method = req.method() == http::verb::head ? "GET" : std::string(req.method_string());
    const std::string_view target = req.target();
    const auto q = target.find('?');
    r.path = std::string(target.substr(0, q));
    if (q != std::string_view::npos) {
      auto query = parse_query(target.substr(q + 1));
      if (!query)
        bad = true;
      else
        r.query = std::move(*query);
    }
    r.authorization = std::string(req[http::field::authorization]);
    r.body = std::move(req.body());
    return r;
  }

  // The headers every response carries, then the route's own.
  template <class Body>
  static void set_headers(http::response<Body>& res, const Response& resp) {
    res.set(http::field::server, "bounceback");
    if (!resp.content_type.empty()) res.set(http::field::content_type, resp.content_type);
    res.set(http::field::cache_control, "no-store");
    res.set("X-Content-Type-Options", "nosniff");
    res.set("Content-Security-Policy", default_csp);
    for (const auto& [name, value] : resp.headers) res.set(name, value);
  }

  // `head`: the answer to HEAD, the GET's headers (and its Content-Length) without the body
  // (RFC 9110 §9.3.2).
  asio::awaitable<bool> write(Connection& conn, Response& resp, unsigned version, bool keep,
                              bool head = false) {
    conn.stream.expires_after(limits.io);
    const auto status = static_cast<http::status>(resp.status);
    // A 204 has neither a body nor a Content-Length (RFC 9110 §8.6).
    const bool no_content = status == http::status::no_content;
    if (head && resp.stream) co_return co_await write_stream(conn, resp, version, keep, true);
    if (head || no_content) {
      http::response<http::empty_body> res{status, version};
      set_headers(res, resp);
      if (!no_content) res.content_length(resp.body.size());
      res.keep_alive(keep);
      auto [ec, n] = co_await http::async_write(conn.stream, res, tuple_awaitable);
      co_return !ec;
    }
    if (resp.stream) co_return co_await write_stream(conn, resp, version, keep);
    http::response<http::string_body> res{status, version};
    set_headers(res, resp);
    res.body() = std::move(resp.body);
    res.keep_alive(keep);
    res.prepare_payload();
    auto [ec, n] = co_await http::async_write(conn.stream, res, tuple_awaitable);
    co_return !ec;
  }

  // Sleeps until the waker's timer expires or is woken, or the client closes or resets the
  // connection: a long-poll or event stream it left frees its slot at once. Pipelined bytes
  // are left unread for the next request; they also show the client is still there.
  asio::awaitable<WaitEnd> sleep(Connection& conn, Waker& waker) {
    if (!conn.watch_peer) {
      auto [ec] = co_await waker.timer.async_wait(tuple_awaitable);
      co_return ec ? WaitEnd::woken : WaitEnd::timed_out;
    }
    auto& socket = conn.stream.socket();
    auto end = co_await (waker.timer.async_wait(tuple_awaitable) ||
                         socket.async_wait(tcp::socket::wait_read, tuple_awaitable));
    if (end.index() == 0)
      co_return std::get<0>(std::get<0>(end)) ? WaitEnd::woken : WaitEnd::timed_out;
    if (std::get<0>(std::get<1>(end)) == asio::error::operation_aborted) co_return WaitEnd::woken;
    if (std::get<0>(std::get<1>(end))) co_return WaitEnd::client_left;
    // Readable: a byte to peek means a pipelined request, none means end of stream.
    char byte = 0;
    const auto n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n > 0) {
      conn.watch_peer = false;
      co_return WaitEnd::woken;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
      co_return WaitEnd::woken;
    co_return WaitEnd::client_left;
  }

  // A streamed body (Response::stream): chunked in HTTP/1.1, ended by the close in HTTP/1.0
  // (then false: the connection must close). A piece is made only once the one before it is
  // written, so memory holds one piece (one session of a list), and a client that reads
  // slowly slows only itself. `head`: the same header, nothing after it.
  asio::awaitable<bool> write_stream(Connection& conn, Response& resp, unsigned version, bool keep,
                                     bool head = false) {
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

  asio::awaitable<void> serve(std::shared_ptr<Connection> conn) {
    beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(static_cast<std::uint32_t>(limits.header_bytes));
      parser.body_limit(limits.body_bytes);
      conn->stream.expires_after(conn->reserve ? std::min(limits.idle, limits.reserve_idle)
                                               : limits.idle);
      auto [ec, n] =
          co_await http::async_read_header(conn->stream, buffer, parser, tuple_awaitable);
      if (!ec && !framing_is_sound(parser)) {
        Response r =
            error_response(400,
                           "malformed HTTP request: Transfer-Encoding must be exactly \"chunked\", "
                           "without Content-Length");
        if (co_await write(*conn, r, 11, false)) co_await drain(*conn);
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
          if (co_await write(*conn, r, 11, false)) co_await drain(*conn);
        } else if (ec == http::error::header_limit) {
          Response r = error_response(431, "request header too large");
          co_await write(*conn, r, 11, false);
        } else if (is_http_error(ec) && ec != http::error::end_of_stream &&
                   ec != http::error::partial_message) {
          // Framing errors: what follows on the connection is not read as a request.
          Response r = error_response(400, "malformed HTTP request: " + ec.message());
          if (co_await write(*conn, r, 11, false)) co_await drain(*conn);
        }
        break;
      }
      auto& req = parser.get();
      const unsigned version = req.version();
      const bool head = req.method() == http::verb::head;
      bool keep = req.keep_alive() && !conn->reserve;
      Verdict verdict = guard.screen(guard_input(req, conn->listener.literal, conn->listener.any));
      Response resp;
      if (verdict.answer) {
        resp = std::move(*verdict.answer);
      } else if (conn->reserve && !health_route(req.method_string(), req.target())) {
        resp = error_response(503, "too many connections: only /healthz and /metrics answer");
        resp.headers.emplace_back("Retry-After", "1");
      } else {
        resp = co_await respond(conn, req, head, verdict.cors);
        // An event stream has ended; a long-poll's client has gone: nothing to write.
        if (resp.deferred.kind == Deferred::Kind::events || conn->client_left) break;
      }
      for (auto& h : verdict.cors) resp.headers.push_back(std::move(h));
      keep = keep && !conn->stopping;
      if (!co_await write(*conn, resp, version, keep, head) || !keep) break;
    }
    boost::system::error_code ignored;
    conn->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  // Runs the route; completes a long-poll here, and an event stream to its end (then the
  // response returned still has Deferred::Kind::events and nothing is left to write).
  asio::awaitable<Response> respond(std::shared_ptr<Connection> conn,
                                    http::request<http::string_body>& req, bool head,
                                    const std::vector<std::pair<std::string, std::string>>& cors) {
    const unsigned version = req.version();
    bool bad = false;
    Request request = to_request(req, bad);
    Response resp;
    try {
      resp = bad ? error_response(400, "malformed query string") : router.handle(request);
    } catch (const std::exception& e) {
      log::error("http handler failed", {{"path", request.path}, {"error", e.what()}});
      resp = error_response(500, "internal error");
    }
    allow_head(resp);
    if (resp.deferred.kind == Deferred::Kind::events) {
      co_await stream_events(conn, version, resp.deferred.filter, head, cors);
    } else if (resp.deferred.kind == Deferred::Kind::wait) {
      resp = co_await wait(conn, resp.deferred);
    }
    co_return resp;
  }

  // After refusing a body, reads and discards what the client is still sending (bounded in
  // bytes and time): closing with unread data would reset the connection before the client
  // had read the 413.
  asio::awaitable<void> drain(Connection& conn) {
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

  // Long-poll: re-check the store whenever a matching message is stored, until the deadline.
  asio::awaitable<Response> wait(std::shared_ptr<Connection> conn, const Deferred& d) {
    const auto executor = co_await asio::this_coro::executor;
    auto waker = std::make_shared<Waker>(executor);
    conn->waker = waker;
    conn->watch_peer = true;
    Subscription sub(router.context().messages, [weak = std::weak_ptr<Waker>(waker), executor,
                                                 filter = d.filter](const store::MessagePtr& m) {
      if (!filter.matches(*m)) return;
      asio::post(executor, [weak] {
        if (auto w = weak.lock()) w->wake();
      });
    });
    const auto deadline = std::chrono::steady_clock::now() + d.timeout;
    std::optional<Response> found;
    for (;;) {
      waker->pending = false;  // a wake from now on means "check again"
      found = router.wait_check(d.filter, {d.start, d.limit});
      if (found || conn->stopping || std::chrono::steady_clock::now() >= deadline) break;
      waker->timer.expires_at(deadline);
      if (!waker->pending && co_await sleep(*conn, *waker) == WaitEnd::client_left) {
        conn->client_left = true;
        break;
      }
    }
    conn->waker.reset();
    if (found) co_return std::move(*found);
    if (conn->stopping) co_return error_response(503, "server is shutting down");
    co_return Router::wait_timeout();
  }

  // Server-Sent Events (text/event-stream): "message" events until the client leaves.
  // `head`: only the header (HEAD /api/v1/events).
  asio::awaitable<void> stream_events(
      std::shared_ptr<Connection> conn, unsigned version, const MessageFilter& filter, bool head,
      const std::vector<std::pair<std::string, std::string>>& cors) {
    const auto executor = co_await asio::this_coro::executor;
    auto waker = std::make_shared<Waker>(executor);
    conn->waker = waker;
    conn->watch_peer = true;
    const std::size_t backlog = limits.event_backlog;
    // Subscribed before the header goes out: a client that saw the header sees every
    // message stored after it.
    // Queues one SSE event on the stream's strand; past the backlog the stream ends. `make`
    // builds the event there: observers run on the SMTP thread that stores the message, and
    // rendering it there once per open stream delayed that session's reply.
    auto enqueue = [weak = std::weak_ptr<Waker>(waker), executor, backlog](auto make) {
      asio::post(executor, [weak, make = std::move(make), backlog]() mutable {
        auto w = weak.lock();
        if (!w) return;
        if (w->events.size() >= backlog)
          w->overflow = true;
        else
          w->events.push_back(make());
        w->wake();
      });
    };
    Subscription sub(router.context().messages, [enqueue, filter](const store::MessagePtr& m) {
      if (!filter.matches(*m)) return;
      enqueue([m] {
        return "event: message\nid: " + std::to_string(m->sequence) +
               "\ndata: " + Router::event_message(*m) + "\n\n";
      });
    });
    // Session and refusal events carry no message to filter: only an unfiltered stream
    // gets them.
    FeedSubscription feed(filter.empty() ? router.context().events : nullptr,
                          [enqueue](std::string_view name, const std::string& json) {
                            enqueue([event = "event: " + std::string(name) + "\ndata: " + json +
                                             "\n\n"]() mutable { return std::move(event); });
                          });

    http::response<http::empty_body> res{http::status::ok, version};
    Response fields;
    fields.content_type = "text/event-stream";
    fields.headers = cors;
    set_headers(res, fields);
    res.keep_alive(false);  // the body runs until the connection closes
    http::response_serializer<http::empty_body> sr{res};
    conn->stream.expires_after(limits.io);
    auto [ec, n] = co_await http::async_write_header(conn->stream, sr, tuple_awaitable);
    if (head) ec = asio::error::eof;  // the header was all
    std::string out = "retry: 2000\n: connected\n\n";
    while (!ec && !conn->stopping) {
      waker->pending = false;
      while (!waker->events.empty()) {
        out += std::move(waker->events.front());
        waker->events.pop_front();
      }
      if (waker->overflow) out += "event: overflow\ndata: {}\n\n";
      if (!out.empty()) {
        conn->stream.expires_after(limits.io);
        std::tie(ec, n) =
            co_await asio::async_write(conn->stream, asio::buffer(out), tuple_awaitable);
        out.clear();
      }
      if (ec || waker->overflow) break;
      waker->timer.expires_after(limits.heartbeat);
      if (waker->pending) continue;
      const WaitEnd end = co_await sleep(*conn, *waker);
      if (end == WaitEnd::client_left) break;
      if (end == WaitEnd::timed_out) out = ": keepalive\n\n";  // also finds a silent leave
    }
    conn->waker.reset();
  }
};

HttpServer::HttpServer(asio::io_context& io, ApiContext& context, RequestGuard guard,
                       HttpLimits limits)
    : state_(std::make_shared<State>(io, context, std::move(guard), limits)) {}

HttpServer::~HttpServer() = default;

std::uint16_t HttpServer::listen(const std::string& address) {
  auto acceptor = net::open_acceptor(state_->io, address, "http");
  const auto port = acceptor->local_endpoint().port();
  state_->acceptors.push_back(acceptor);
  asio::co_spawn(state_->io, state_->accept_loop(acceptor), [](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      log::error("http accept loop ended unexpectedly", {{"error", ex.what()}});
    } catch (...) {
      log::error("http accept loop ended unexpectedly");
    }
  });
  return port;
}

void HttpServer::stop() {
  // Callable from any thread (the signal handler runs on an SMTP context): the acceptors
  // and the connection list belong to the API's context.
  asio::dispatch(state_->io, [state = state_] { state->stop(); });
}

}  // namespace bounceback::api
