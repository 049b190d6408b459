// Long-poll (GET /api/v1/messages/wait): re-checks the store whenever a matching message is
// stored, until the deadline, the client leaving or the server stopping (see connection.hpp).
#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <chrono>
#include <optional>

#include "api/http/connection.hpp"
#include "api/http/subscription.hpp"

namespace bounceback::api {

namespace asio = boost::asio;

asio::awaitable<Response> long_poll(const Site& site, std::shared_ptr<HttpConnection> conn,
                                    const Deferred& d) {
  const auto executor = co_await asio::this_coro::executor;
  auto waker = std::make_shared<Waker>(executor);
  conn->waker = waker;
  conn->watch_peer = true;
  // Run by the SMTP thread that stores a message: only the envelope's from=, to= and about=
  // are checked there (the subject and a search, headers and body, are read by the wait's next
  // look, on this thread: a whole-address term through the search's index, which then indexes
  // the new messages only), and one wake at a time is queued, however many messages arrive
  // before this thread takes it.
  // Shared state, not strings, is captured: a store that took the observer list before the
  // wait ended may still call this afterwards (the list keeps the lambda alive until then).
  auto queued = std::make_shared<std::atomic<bool>>(false);
  auto envelope = std::make_shared<const MessageFilter>(
      MessageFilter{d.filter.from, d.filter.to, {}, d.filter.about, {}});
  Subscription sub(site.router.context().messages, [weak = std::weak_ptr<Waker>(waker), executor,
                                                    queued, envelope](const store::MessagePtr& m) {
    if (!envelope->matches_envelope(*m) || queued->exchange(true)) return;
    asio::post(executor, [weak, queued] {
      queued->store(false);
      if (auto w = weak.lock()) w->wake();
    });
  });
  const auto deadline = std::chrono::steady_clock::now() + d.timeout;
  std::optional<Response> found;
  std::uint64_t checked = 0;  // messages up to this sequence held no match
  for (;;) {
    waker->pending = false;  // a wake from now on means "check again"
    found = site.router.wait_check(d.filter, {d.start, d.limit}, checked);
    if (found || conn->stopping || std::chrono::steady_clock::now() >= deadline) break;
    waker->timer.expires_at(deadline);
    if (!waker->pending &&
        co_await sleep(conn->stream.socket(), conn->watch_peer, *waker) == WaitEnd::client_left) {
      conn->client_left = true;
      break;
    }
  }
  conn->waker.reset();
  if (found) co_return std::move(*found);
  if (conn->stopping) co_return error_response(503, "server is shutting down");
  co_return Router::wait_timeout();
}

}  // namespace bounceback::api
