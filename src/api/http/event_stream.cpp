// Server-Sent Events (GET /api/v1/events): "message" events, and for an unfiltered stream the
// session and refusal events, until the client leaves (see connection.hpp).
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <optional>
#include <string>

#include "api/http/beast_message.hpp"
#include "api/http/connection.hpp"
#include "api/http/subscription.hpp"

namespace bounceback::api {

namespace asio = boost::asio;
namespace http = boost::beast::http;

asio::awaitable<void> stream_events(const Site& site, std::shared_ptr<HttpConnection> conn,
                                    unsigned version, const MessageFilter& filter, bool head,
                                    const Headers& cors) {
  constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);
  const auto executor = co_await asio::this_coro::executor;
  auto waker = std::make_shared<Waker>(executor);
  conn->waker = waker;
  conn->watch_peer = true;
  const std::size_t backlog = site.limits.event_backlog;
  // Subscribed before the header goes out: a client that saw the header sees every
  // message stored after it.
  // Queues one SSE event on the stream's strand; past the backlog the stream ends. `make`
  // builds the event there: observers run on the SMTP thread that stores the message, and
  // rendering it there once per open stream delayed that session's reply.
  auto enqueue = [weak = std::weak_ptr<Waker>(waker), executor, backlog](auto make) {
    asio::post(executor, [weak, make = std::move(make), backlog]() mutable {
      auto w = weak.lock();
      if (!w) return;
      std::optional<std::string> event = make();
      if (!event) return;
      if (w->events.size() >= backlog)
        w->overflow = true;
      else
        w->events.push_back(std::move(*event));
      w->wake();
    });
  };
  // The SMTP thread checks the envelope; the subject and a search's body are read here, on
  // the API's thread, where a message that does not match them queues nothing.
  Subscription sub(site.router.context().messages,
                   [enqueue, content = std::make_shared<const MessageFilter>(filter)](
                       const store::MessagePtr& m) {
                     if (!content->matches_envelope(*m)) return;
                     enqueue([m, content]() -> std::optional<std::string> {
                       if (content->reads_content() && !content->matches(*m)) return std::nullopt;
                       return "event: message\nid: " + std::to_string(m->sequence) +
                              "\ndata: " + Router::event_message(*m) + "\n\n";
                     });
                   });
  // Session and refusal events carry no message to filter: only an unfiltered stream
  // gets them.
  FeedSubscription feed(filter.empty() ? site.router.context().events : nullptr,
                        [enqueue](std::string_view name, const std::string& json) {
                          enqueue([event = "event: " + std::string(name) + "\ndata: " + json +
                                           "\n\n"]() mutable -> std::optional<std::string> {
                            return std::move(event);
                          });
                        });

  http::response<http::empty_body> res{http::status::ok, version};
  Response fields;
  fields.content_type = "text/event-stream";
  fields.headers = cors;
  set_headers(res, fields);
  res.keep_alive(false);  // the body runs until the connection closes
  http::response_serializer<http::empty_body> sr{res};
  conn->stream.expires_after(site.limits.io);
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
      conn->stream.expires_after(site.limits.io);
      std::tie(ec, n) =
          co_await asio::async_write(conn->stream, asio::buffer(out), tuple_awaitable);
      out.clear();
    }
    if (ec || waker->overflow) break;
    waker->timer.expires_after(site.limits.heartbeat);
    if (waker->pending) continue;
    const WaitEnd end = co_await sleep(conn->stream.socket(), conn->watch_peer, *waker);
    if (end == WaitEnd::client_left) break;
    if (end == WaitEnd::timed_out) out = ": keepalive\n\n";  // also finds a silent leave
  }
  conn->waker.reset();
}

}  // namespace bounceback::api
