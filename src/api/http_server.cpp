// Beast transport for the API: the only translation unit of src/api that sees Asio/Beast.
// Routing and JSON live in router.cpp; this file reads requests, writes responses, and runs
// the deferred work (long-polls, event streams) on each connection's strand.
#include "api/http_server.hpp"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/dispatch.hpp>
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

}  // namespace

// One connection; its fields are touched only on its strand.
struct Connection {
  explicit Connection(tcp::socket socket) : stream(std::move(socket)) {}
  beast::tcp_stream stream;
  std::shared_ptr<Waker> waker;  // while a long-poll or an event stream waits
  bool stopping = false;
};

struct HttpServer::State : std::enable_shared_from_this<State> {
  State(asio::io_context& io, ApiContext& ctx, HttpLimits limits)
      : io(io), router(ctx), limits(limits) {}

  asio::io_context& io;
  Router router;
  HttpLimits limits;
  std::vector<std::shared_ptr<tcp::acceptor>> acceptors;
  std::mutex mutex;
  std::unordered_map<std::uint64_t, std::shared_ptr<Connection>> live;
  std::uint64_t next_id = 1;
  bool stopping = false;

  asio::awaitable<void> accept_loop(std::shared_ptr<tcp::acceptor> acceptor) {
    for (;;) {
      auto [ec, socket] = co_await acceptor->async_accept(asio::make_strand(io), tuple_awaitable);
      if (ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
      if (ec) {  // EMFILE and the like: back off briefly rather than spin
        log::warn("http accept failed", {{"error", ec.message()}});
        asio::steady_timer pause(io, std::chrono::milliseconds(50));
        co_await pause.async_wait(tuple_awaitable);
        continue;
      }
      spawn(std::move(socket));
    }
  }

  void spawn(tcp::socket socket) {
    auto conn = std::make_shared<Connection>(std::move(socket));
    std::uint64_t id = 0;
    {
      std::lock_guard lock(mutex);
      if (stopping || live.size() >= limits.max_connections) return;  // closes the socket
      id = next_id++;
      live.emplace(id, conn);
    }
    const auto executor = conn->stream.get_executor();
    asio::co_spawn(executor, serve(conn), [self = shared_from_this(), id](std::exception_ptr e) {
      if (e) {
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          log::error("http connection failed",
                     {{"connection", std::to_string(id)}, {"error", ex.what()}});
        } catch (...) {
          log::error("http connection failed", {{"connection", std::to_string(id)}});
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
    r.method = std::string(req.method_string());
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

  asio::awaitable<bool> write(Connection& conn, Response& resp, unsigned version, bool keep) {
    http::response<http::string_body> res{static_cast<http::status>(resp.status), version};
    res.set(http::field::server, "bounceback");
    res.set(http::field::content_type, resp.content_type);
    res.set(http::field::cache_control, "no-store");
    for (const auto& [name, value] : resp.headers) res.set(name, value);
    res.body() = std::move(resp.body);
    res.keep_alive(keep);
    res.prepare_payload();
    conn.stream.expires_after(limits.io);
    auto [ec, n] = co_await http::async_write(conn.stream, res, tuple_awaitable);
    co_return !ec;
  }

  asio::awaitable<void> serve(std::shared_ptr<Connection> conn) {
    beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(static_cast<std::uint32_t>(limits.header_bytes));
      parser.body_limit(limits.body_bytes);
      conn->stream.expires_after(limits.idle);
      auto [ec, n] =
          co_await http::async_read_header(conn->stream, buffer, parser, tuple_awaitable);
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
          Response r = error_response(400, "malformed HTTP request: " + ec.message());
          co_await write(*conn, r, 11, false);
        }
        break;
      }
      auto& req = parser.get();
      const unsigned version = req.version();
      bool keep = req.keep_alive();
      bool bad = false;
      Request request = to_request(req, bad);
      Response resp;
      try {
        resp = bad ? error_response(400, "malformed query string") : router.handle(request);
      } catch (const std::exception& e) {
        log::error("http handler failed", {{"path", request.path}, {"error", e.what()}});
        resp = error_response(500, "internal error");
      }
      if (resp.deferred.kind == Deferred::Kind::events) {
        co_await stream_events(conn, version, resp.deferred.filter);
        break;
      }
      if (resp.deferred.kind == Deferred::Kind::wait) resp = co_await wait(conn, resp.deferred);
      keep = keep && !conn->stopping;
      if (!co_await write(*conn, resp, version, keep) || !keep) break;
    }
    boost::system::error_code ignored;
    conn->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
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
      if (!waker->pending) co_await waker->timer.async_wait(tuple_awaitable);
    }
    conn->waker.reset();
    if (found) co_return std::move(*found);
    if (conn->stopping) co_return error_response(503, "server is shutting down");
    co_return Router::wait_timeout();
  }

  // Server-Sent Events (text/event-stream): "message" events until the client leaves.
  asio::awaitable<void> stream_events(std::shared_ptr<Connection> conn, unsigned version,
                                      const MessageFilter& filter) {
    const auto executor = co_await asio::this_coro::executor;
    auto waker = std::make_shared<Waker>(executor);
    conn->waker = waker;
    const std::size_t backlog = limits.event_backlog;
    // Subscribed before the header goes out: a client that saw the header sees every
    // message stored after it.
    // Queues one SSE event on the stream's strand; past the backlog the stream ends.
    auto enqueue = [weak = std::weak_ptr<Waker>(waker), executor, backlog](std::string event) {
      asio::post(executor, [weak, event = std::move(event), backlog]() mutable {
        auto w = weak.lock();
        if (!w) return;
        if (w->events.size() >= backlog)
          w->overflow = true;
        else
          w->events.push_back(std::move(event));
        w->wake();
      });
    };
    Subscription sub(router.context().messages, [enqueue, filter](const store::MessagePtr& m) {
      if (!filter.matches(*m)) return;
      enqueue("event: message\nid: " + std::to_string(m->sequence) +
              "\ndata: " + Router::event_message(*m) + "\n\n");
    });
    // Session and refusal events carry no message to filter: only an unfiltered stream
    // gets them.
    FeedSubscription feed(filter.empty() ? router.context().events : nullptr,
                          [enqueue](std::string_view name, const std::string& json) {
                            enqueue("event: " + std::string(name) + "\ndata: " + json + "\n\n");
                          });

    http::response<http::empty_body> res{http::status::ok, version};
    res.set(http::field::server, "bounceback");
    res.set(http::field::content_type, "text/event-stream");
    res.set(http::field::cache_control, "no-store");
    res.keep_alive(false);  // the body runs until the connection closes
    http::response_serializer<http::empty_body> sr{res};
    conn->stream.expires_after(limits.io);
    auto [ec, n] = co_await http::async_write_header(conn->stream, sr, tuple_awaitable);
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
      auto [timer_ec] = co_await waker->timer.async_wait(tuple_awaitable);
      if (!timer_ec) out = ": keepalive\n\n";  // also detects a client that left
    }
    conn->waker.reset();
  }
};

HttpServer::HttpServer(asio::io_context& io, ApiContext& context, HttpLimits limits)
    : state_(std::make_shared<State>(io, context, limits)) {}

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
