// Server: builds the store, the scenario engine, the listeners and the HTTP API on an IoPool
// (one io_context per thread) and stops them gracefully; serve: runs one until SIGINT/SIGTERM.
#include "app/app.hpp"

#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <optional>
#include <random>
#include <thread>

#include "api/adjustable_clock.hpp"
#include "api/http/http_server.hpp"
#include "api/reply_monitor.hpp"
#include "app/reaction_queue.hpp"
#include "app/session_config.hpp"
#include "app/stop_signals.hpp"
#include "app/tls.hpp"
#include "log/log.hpp"
#include "net/io_pool.hpp"
#include "net/return_relay.hpp"
#include "net/smtp_server.hpp"
#include "redis/capture_log.hpp"
#include "redis/redis_state.hpp"
#include "scenario/engine.hpp"
#include "scenario/loader.hpp"
#include "store/message_store.hpp"
#include "store/refusal_log.hpp"
#include "store/session_log.hpp"

namespace bounceback::app {

namespace {

// 8 random characters of [0-9a-z] (41 bits): a replica's name in the shared capture and the
// start of its session and message ids. Random per process (a restarted replica is a new one:
// its session numbers start again at 1): two of n processes sharing a capture collide with
// odds n²/2^42. Short, so that an id ("k3x9v0q2-15.123") stays within std::string's inline
// buffer as without --state ("c0ffee-15.123"): 12 hex digits put every message id of config b
// on the heap, some 500 instructions per message in copies of it.
std::string random_replica_name() {
  std::random_device random;
  std::uint64_t bits = std::uint64_t{random()} << 32 | random();
  static constexpr char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string text(8, '0');
  for (char& c : text) {
    c = digits[bits % 36];
    bits /= 36;
  }
  return text;
}

}  // namespace

// Everything the server owns, in the order it is built (and destroyed in reverse).
struct Server::Parts {
  explicit Parts(const Settings& s) : settings(s) {}

  const Settings settings;
  std::shared_ptr<api::AdjustableClock> clock = std::make_shared<api::AdjustableClock>();
  std::unique_ptr<scenario::Engine> engine;
  std::shared_ptr<const scenario::Scenario> initial;
  std::unique_ptr<store::MessageStore> messages;
  // --state: the capture shared with the other replicas, on a thread of its own; stops
  // (unhooked from the store) before the store goes.
  std::unique_ptr<redis::CaptureLog> capture;
  store::EventFeed events;  // session and refusal events for GET /api/v1/events
  std::unique_ptr<store::SessionLog> sessions;
  // stop() posts to pool.main(); the HTTP API runs on pool.api().
  std::unique_ptr<net::IoPool> pool;
  // --state: the stateful tables in Redis, on a thread of its own (built right after the
  // engine). Declared after the pool so that it stops first: a call still pending at exit
  // fails and posts its session's resumption to an event loop that still exists.
  std::unique_ptr<redis::RedisState> shared_state;
  std::unique_ptr<boost::asio::steady_timer> reaction_timer;
  std::unique_ptr<boost::asio::steady_timer> trim_timer;  // on the API's loop
  std::unique_ptr<ReactionQueue> reactions;
  std::unique_ptr<net::ReturnRelay> relay;  // --return-relay: generated mail also goes there
  net::ServerContext ctx;
  store::RefusalLog refusals;  // every 4xx/5xx sent, for GET /api/v1/refusals and the page
  std::unique_ptr<api::ReplyMonitor> replies;  // replies by code; refusals
  std::unique_ptr<net::TlsContexts> tls;       // STARTTLS and SMTPS
  std::unique_ptr<net::SmtpServer> smtp;
  std::unique_ptr<api::ApiContext> api_ctx;
  std::unique_ptr<api::HttpServer> http;
  std::vector<std::string> listeners;
  std::atomic<bool> stopping{false};

  void build();
  void bind();
  // Puts a scenario in force, at start and on PUT /api/v1/scenario. Three swaps: a session
  // opening between them pairs the new certificate or [server] settings with the old rules
  // (rules decide replies). A fault certificate is made here, once.
  void apply_scenario(std::shared_ptr<const scenario::Scenario> s) {
    ctx.tls = tls_choice(*tls, s.get());
    ctx.config = make_session_config(settings.smtp, !settings.tls.cert_file.empty(), s.get(), true);
    if (s) engine->set_scenario(std::move(s));
  }
  // Memory freed by deleted and evicted messages goes back to the system once a second at most,
  // when 64 MiB or more were freed: malloc_trim takes milliseconds, on the API's thread.
  void trim_memory() {
    trim_timer->expires_after(std::chrono::seconds(1));
    trim_timer->async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      messages->release_memory(64 * 1024 * 1024);
      trim_memory();
    });
  }
  // Reactions to accepted messages (DSNs, auto-replies, complaints) wait on one timer of the
  // main event loop, set to the first one due on the scenario clock (reaction_queue.hpp).
  void arm_reactions() {
    boost::asio::post(pool->main(), [this] {
      const auto wait = reactions->next_wait();
      if (!wait) return;
      reaction_timer->expires_after(*wait);
      reaction_timer->async_wait([this](boost::system::error_code ec) {
        if (!ec) reactions->run_due();
      });
    });
  }
};

void Server::Parts::build() {
  log::Level level{};
  if (!log::parse_level(settings.log.level, level))
    throw StartError("bounceback: --log-level: expected debug, info, warn or error\n");
  log::configure(level, settings.log.format == "json" ? log::Format::json : log::Format::text);

  engine = std::make_unique<scenario::Engine>(clock, settings.engine);
  if (!settings.state.url.empty() && settings.state.share_tables) {
    std::string error;
    const auto url = redis::parse_url(settings.state.url, error);
    if (!url) throw StartError("bounceback: --state: " + error + '\n');
    shared_state =
        std::make_unique<redis::RedisState>(*url, settings.state.prefix, settings.state.timeout);
    shared_state->start();
    engine->set_shared_state(shared_state.get(), settings.state.failure);
  }
  if (!settings.scenario.empty()) {
    auto loaded = scenario::load_scenario(settings.scenario);
    if (!loaded.ok()) throw StartError(loaded.error_text());
    initial = loaded.scenario;
  }

  std::unique_ptr<store::Spool> spool;
  if (!settings.store.dir.empty()) {
    try {
      store::Spool::Options options;
      options.poll = settings.store.poll;
      options.writers = settings.store.threads;
      spool = std::make_unique<store::Spool>(settings.store.dir, options);
    } catch (const std::exception& e) {
      throw StartError(std::string("bounceback: --store-dir: ") + e.what() + '\n');
    }
  }
  messages = std::make_unique<store::MessageStore>(settings.store.max_messages, std::move(spool),
                                                   settings.store.received_header,
                                                   settings.store.max_bytes);
  sessions = std::make_unique<store::SessionLog>(settings.store.sessions, &events);
  // --state: this process's name among the replicas (its ids unique among them).
  const std::string replica = settings.state.url.empty() ? std::string() : random_replica_name();
  // --state-share without capture and attempts: no stream, nothing on the stateless path.
  if (!settings.state.url.empty() &&
      (settings.state.share_capture || settings.state.share_attempts)) {
    std::string error;
    const auto url = redis::parse_url(settings.state.url, error);
    if (!url) throw StartError("bounceback: --state: " + error + '\n');
    capture = std::make_unique<redis::CaptureLog>(
        *url, settings.state.prefix, replica, *messages,
        settings.state.share_attempts ? &engine->attempt_log() : nullptr,
        redis::CaptureLog::Limits{settings.store.max_messages, settings.state.capture_max_size,
                                  std::max<std::size_t>(settings.store.max_messages, 1000),
                                  settings.state.share_capture});
    capture->start();
    if (settings.state.share_attempts) engine->set_attempt_listener(capture.get());
  }

  // One event loop by default, like smtp-sink: the mailer under test shares the machine, and a
  // second loop cost more CPU per message than it gained (docs/benchmarks.md).
  const unsigned threads = settings.net.threads ? settings.net.threads
                                                : std::max(1u, std::thread::hardware_concurrency());
  pool = std::make_unique<net::IoPool>(threads);
  auto& io = pool->main();
  // Linux gives each thread its own nice value and policy: only the API's thread yields to
  // SMTP, by --api-nice more than the process it started with (19 at most), or entirely
  // (--api-sched-idle: SCHED_IDLE, which any thread may choose for itself).
  boost::asio::post(
      pool->api(), [by = static_cast<int>(settings.api.nice), idle = settings.api.sched_idle] {
        if (idle) {
          const sched_param param{};
          if (sched_setscheduler(0, SCHED_IDLE, &param) != 0)
            log::warn("--api-sched-idle: SCHED_IDLE refused", {{"error", std::strerror(errno)}});
          return;
        }
        const auto tid = static_cast<id_t>(gettid());
        errno = 0;
        const int now = getpriority(PRIO_PROCESS, tid);
        if (errno == 0) setpriority(PRIO_PROCESS, tid, std::min(19, now + by));
      });

  reaction_timer = std::make_unique<boost::asio::steady_timer>(io);
  trim_timer = std::make_unique<boost::asio::steady_timer>(pool->api());
  trim_memory();
  if (!settings.net.return_relay.empty()) {
    try {
      relay = std::make_unique<net::ReturnRelay>(io, settings.net, settings.smtp.hostname);
    } catch (const std::exception& e) {
      throw StartError(std::string("bounceback: --return-relay: ") + e.what() + '\n');
    }
  }
  reactions = std::make_unique<ReactionQueue>(
      clock, *messages,
      // On an SMTP event loop (what is due at once, the timer): with --store-dir, not blocked
      // for a flush. On the API's thread (a clock advance): stored before the API answers.
      [this](smtp::AcceptedMessage&& m, bool wait) {
        if (relay) relay->send(m);
        if (wait)
          messages->store(std::move(m));
        else
          messages->store_later(std::move(m));
      },
      [this] { arm_reactions(); });
  engine->set_reactor(reactions.get());

  ctx.settings = settings.net;
  ctx.session_id_prefix = replica;  // ids unique among replicas ("" without --state)
  replies = std::make_unique<api::ReplyMonitor>(*engine, &events, &refusals);
  ctx.policy = replies.get();
  ctx.store = messages.get();
  ctx.sessions = sessions.get();
  try {
    tls =
        make_tls_contexts(settings, initial && initial->server.hostname ? *initial->server.hostname
                                                                        : settings.smtp.hostname);
  } catch (const std::exception& e) {
    throw StartError(std::string("bounceback: ") + e.what() + '\n');
  }
  apply_scenario(initial);

  smtp = std::make_unique<net::SmtpServer>(*pool, ctx);
  api_ctx = std::make_unique<api::ApiContext>(api::ApiContext{
      *messages, *sessions, *engine, *clock, ctx.counters, replies.get(),
      [this](std::shared_ptr<const scenario::Scenario> s) { apply_scenario(std::move(s)); },
      settings.api.token, &events, settings.api.routes});
  api_ctx->reactions = &reactions->counters();
  api_ctx->clock_moved = [this] { reactions->clock_moved(); };
  api_ctx->reset_reactions = [this] { reactions->clear(); };
  api_ctx->relay = relay ? &relay->counters() : nullptr;
  api_ctx->refusals = &refusals;
  api_ctx->capture = capture ? &capture->counters() : nullptr;
  // The API answers loopback names and addresses, the listener's address, --hostname and
  // --api-allowed-host; browsers may call it cross-origin from --api-cors origins.
  api::GuardConfig guard = settings.api.guard;
  guard.allowed_hosts.push_back(settings.smtp.hostname);
  http = std::make_unique<api::HttpServer>(pool->api(), *api_ctx,
                                           api::RequestGuard(std::move(guard)), settings.api.http);
}

void Server::Parts::bind() {
  // "kind=ADDR:PORT" with the port actually bound (port 0 picks one), one per listener.
  auto bound = [&](const char* kind, const std::string& address, std::uint16_t port) {
    listeners.push_back(std::string(kind) + '=' + address.substr(0, address.rfind(':')) + ':' +
                        std::to_string(port));
  };
  try {
    for (const auto& a : settings.listen.smtp) bound("smtp", a, smtp->listen(a, false));
    for (const auto& a : settings.listen.smtps) bound("smtps", a, smtp->listen(a, true));
    for (const auto& a : settings.listen.lmtp) {
      const auto port = smtp->listen_lmtp(a);
      if (port == 0)  // a UNIX socket: its path
        listeners.push_back("lmtp=" + a);
      else
        bound("lmtp", a, port);
    }
    bound("http", settings.listen.http,
          http->listen(settings.listen.http, settings.net.accept_backoff));
  } catch (const std::exception& e) {
    throw StartError(std::string("bounceback: ") + e.what() + '\n');
  }
}

Server::Server(const Settings& settings) : parts_(std::make_unique<Parts>(settings)) {
  parts_->build();
  parts_->bind();
}

Server::~Server() = default;

const std::vector<std::string>& Server::listeners() const {
  return parts_->listeners;
}

api::ApiContext& Server::context() {
  return *parts_->api_ctx;
}

void Server::run() {
  parts_->pool->run();
  // The spool's writer finishes what it holds while the sessions waiting for it still exist.
  if (auto* spool = parts_->messages->spool()) {
    spool->stop();
    const auto s = spool->stats();
    log::info("spool stopped", {{"groups", s.groups},
                                {"messages", s.messages},
                                {"flush_us_per_group", s.groups ? s.flush_us / s.groups : 0},
                                {"checkpoints", s.checkpoints},
                                {"pooled", s.pooled}});
  }
}

void Server::stop() {
  if (parts_->stopping.exchange(true)) return;
  // The listeners stop on the event loop that runs them.
  boost::asio::post(parts_->pool->main(), [p = parts_.get()] {
    log::info("shutting down");
    p->http->stop();
    p->smtp->stop([p] { p->pool->stop(); });
  });
}

int serve(const Settings& settings) {
  std::optional<Server> server;
  StopSignals signals;  // before the server starts any thread; ends before the server goes
  try {
    server.emplace(settings);
  } catch (const StartError& e) {
    std::cerr << e.what();
    return 2;
  }
  signals.start([&server] { server->stop(); });
  const auto scenario = server->context().engine.scenario();  // unnamed: none loaded
  // Only now: a test harness may send SIGTERM as soon as it reads this line.
  log::info("ready",
            {{"listeners", server->listeners()},
             {"scenario",
              scenario && !scenario->name.empty() ? scenario->name : std::string("accept-all")}});
  server->run();
  log::info("stopped", {{"messages", server->context().messages.accepted()}});
  return 0;
}

}  // namespace bounceback::app
