// RedisState (see redis_state.hpp). Everything that touches hiredis runs on io_'s thread;
// the callers post to it. A call finishes once: by its reply, or by its timer.
#include "redis/redis_state.hpp"

#include <hiredis/hiredis.h>
#include <pthread.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "log/log.hpp"

namespace bounceback::redis {

namespace asio = boost::asio;

struct RedisState::Pending {
  explicit Pending(asio::io_context& io) : timer(io) {}
  std::shared_ptr<scenario::StateCall> call;  // null for the calls nobody awaits
  Invocation invocation;
  asio::steady_timer timer;
  bool finished = false;
};

RedisState::RedisState(Url url, std::string prefix, std::chrono::milliseconds timeout)
    : work_(io_.get_executor()),
      client_(io_, std::move(url),
              [this](bool up) {
                counters_.up.store(up);
                if (up) counters_.connects.fetch_add(1);
              }),
      prefix_(std::move(prefix)),
      timeout_(timeout) {}

RedisState::~RedisState() {
  stop();
}

void RedisState::start() {
  // The scripts' SHA1s, computed here, before the server is ready: the first one costs
  // OpenSSL's digest fetch (some 3.6M instructions), which no session should wait for.
  decide_script();
  quota_script();
  clear_script();
  asio::post(io_, [this] { client_.start(); });
  thread_ = std::thread([this] {
    ::pthread_setname_np(::pthread_self(), "bb-state");  // in top and /proc/PID/task/*/comm
    io_.run();
  });
}

void RedisState::stop() {
  if (!thread_.joinable()) return;
  asio::post(io_, [this] {
    client_.stop();
    work_.reset();
  });
  thread_.join();
}

void RedisState::fail(Pending& p, std::string error, bool timed_out) {
  p.finished = true;
  p.timer.cancel();
  counters_.failures.fetch_add(1, std::memory_order_relaxed);
  if (timed_out) counters_.timeouts.fetch_add(1, std::memory_order_relaxed);
  // One line a second at most: a Redis outage under load would otherwise flood the log.
  const auto now = std::chrono::steady_clock::now();
  if (now - last_warning_ >= std::chrono::seconds(1)) {
    last_warning_ = now;
    log::warn("state: redis call failed", {{"script", p.invocation.script->name},
                                           {"error", error},
                                           {"failures", counters_.failures.load()}});
  }
  if (p.call) {
    p.call->answer.failed = true;
    p.call->answer.error = std::move(error);
    p.call->done();
  }
}

void RedisState::send(const Invocation& in, bool by_source, std::shared_ptr<Pending> p) {
  std::vector<std::string> argv;
  argv.reserve(3 + in.keys.size() + in.args.size());
  argv.emplace_back(by_source ? "EVAL" : "EVALSHA");
  argv.emplace_back(by_source ? std::string(in.script->source) : in.script->sha1);
  argv.push_back(std::to_string(in.keys.size()));
  argv.insert(argv.end(), in.keys.begin(), in.keys.end());
  argv.insert(argv.end(), in.args.begin(), in.args.end());
  const bool sent = client_.command(argv, [this, p, by_source](const redisReply* r) {
    if (p->finished) return;  // answered too late: the timeout decided
    if (!r) return fail(*p, "connection lost", false);
    if (r->type == REDIS_REPLY_ERROR) {
      const std::string_view error(r->str, r->len);
      // Redis restarted (or flushed its scripts): EVAL sends it again and caches it.
      if (!by_source && error.starts_with("NOSCRIPT")) return send(p->invocation, true, p);
      return fail(*p, std::string(error), false);
    }
    p->finished = true;
    p->timer.cancel();
    if (!p->call) return;
    std::vector<long long> values;
    if (r->type == REDIS_REPLY_ARRAY)
      for (std::size_t i = 0; i < r->elements; ++i)
        values.push_back(r->element[i]->type == REDIS_REPLY_INTEGER ? r->element[i]->integer : -1);
    if (!read_decide_reply(values, p->call->answer)) {
      p->finished = false;
      return fail(*p, "unexpected reply to the decide script", false);
    }
    p->call->done();
  });
  if (!sent) fail(*p, "not connected", false);
}

void RedisState::decide(std::shared_ptr<scenario::StateCall> call) {
  counters_.calls.fetch_add(1, std::memory_order_relaxed);
  asio::post(io_, [this, call = std::move(call)]() mutable {
    auto p = std::make_shared<Pending>(io_);
    p->invocation = decide_invocation(call->request, prefix_);
    p->call = std::move(call);
    p->timer.expires_after(timeout_);
    p->timer.async_wait([this, p](boost::system::error_code ec) {
      if (!ec && !p->finished) fail(*p, "timed out", true);
    });
    send(p->invocation, false, p);
  });
}

void RedisState::add_quota(std::vector<std::uint64_t> rcpts, std::uint64_t bytes,
                           scenario::TimePoint now, std::chrono::milliseconds idle) {
  asio::post(io_, [this, rcpts = std::move(rcpts), bytes, now, idle] {
    auto p = std::make_shared<Pending>(io_);
    p->invocation = quota_invocation(rcpts, bytes, now, idle, prefix_);
    send(p->invocation, false, p);
  });
}

void RedisState::clear() {
  asio::post(io_, [this] {
    auto p = std::make_shared<Pending>(io_);
    p->invocation = clear_invocation(prefix_);
    send(p->invocation, false, p);
  });
}

}  // namespace bounceback::redis
