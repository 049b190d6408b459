// serve: builds the store, the scenario engine, the listeners and the HTTP API on an IoPool
// (one io_context per thread), and shuts down gracefully on SIGINT/SIGTERM.
#include "app/app.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <iostream>
#include <optional>
#include <thread>

#include "api/adjustable_clock.hpp"
#include "api/http/http_server.hpp"
#include "api/reply_monitor.hpp"
#include "app/reaction_queue.hpp"
#include "app/session_config.hpp"
#include "app/tls.hpp"
#include "log/log.hpp"
#include "net/io_pool.hpp"
#include "net/return_relay.hpp"
#include "net/smtp_server.hpp"
#include "scenario/engine.hpp"
#include "scenario/loader.hpp"
#include "store/message_store.hpp"
#include "store/refusal_log.hpp"
#include "store/session_log.hpp"

namespace bounceback::app {

int serve(const Settings& settings) {
  log::Level level{};
  if (!log::parse_level(settings.log.level, level)) {
    std::cerr << "bounceback: --log-level: expected debug, info, warn or error\n";
    return 2;
  }
  log::configure(level, settings.log.format == "json" ? log::Format::json : log::Format::text);

  auto clock = std::make_shared<api::AdjustableClock>();
  scenario::Engine engine(clock, settings.engine);
  std::shared_ptr<const scenario::Scenario> initial;
  if (!settings.scenario.empty()) {
    auto loaded = scenario::load_scenario(settings.scenario);
    if (!loaded.ok()) {
      std::cerr << loaded.error_text();
      return 2;
    }
    initial = loaded.scenario;
  }

  std::unique_ptr<store::Spool> spool;
  if (!settings.store.dir.empty()) {
    try {
      spool = std::make_unique<store::Spool>(settings.store.dir);
    } catch (const std::exception& e) {
      std::cerr << "bounceback: --store-dir: " << e.what() << '\n';
      return 2;
    }
  }
  store::MessageStore messages(settings.store.max_messages, std::move(spool),
                               settings.store.received_header);
  store::EventFeed events;  // session and refusal events for GET /api/v1/events
  store::SessionLog sessions(settings.store.sessions, &events);

  // One event loop by default, like smtp-sink: the mailer under test shares the machine, and a
  // second loop cost more CPU per message than it gained (docs/benchmarks.md).
  const unsigned threads = settings.net.threads ? settings.net.threads
                                                : std::max(1u, std::thread::hardware_concurrency());
  net::IoPool pool(threads);  // the signals run on pool.main(), the HTTP API on pool.api()
  auto& io = pool.main();

  // Created only with a spool: an in-memory store runs inline on the event loop.
  std::optional<boost::asio::thread_pool> store_pool;
  if (messages.blocking()) store_pool.emplace(settings.store.threads);

  // Reactions to accepted messages (DSNs, auto-replies, complaints) wait on one timer of the
  // main event loop, set to the first one due on the scenario clock (reaction_queue.hpp).
  boost::asio::steady_timer reaction_timer(io);
  std::unique_ptr<ReactionQueue> reactions;
  auto arm_reactions = [&] {
    boost::asio::post(io, [&] {
      const auto wait = reactions->next_wait();
      if (!wait) return;
      reaction_timer.expires_after(*wait);
      reaction_timer.async_wait([&](boost::system::error_code ec) {
        if (!ec) reactions->run_due();
      });
    });
  };
  std::unique_ptr<net::ReturnRelay> relay;  // --return-relay: generated mail also goes there
  if (!settings.net.return_relay.empty()) {
    try {
      relay = std::make_unique<net::ReturnRelay>(io, settings.net, settings.smtp.hostname);
    } catch (const std::exception& e) {
      std::cerr << "bounceback: --return-relay: " << e.what() << '\n';
      return 2;
    }
  }
  reactions = std::make_unique<ReactionQueue>(
      clock, messages,
      [&](smtp::AcceptedMessage&& m) {
        if (relay) relay->send(m);
        messages.store(std::move(m));
      },
      arm_reactions);
  engine.set_reactor(reactions.get());

  net::ServerContext ctx;
  ctx.store_pool = store_pool ? &*store_pool : nullptr;
  ctx.settings = settings.net;
  store::RefusalLog refusals;  // every 4xx/5xx sent, for GET /api/v1/refusals and the page
  api::ReplyMonitor replies(engine, &events, &refusals);  // replies by code; refusals
  ctx.policy = &replies;
  ctx.store = &messages;
  ctx.sessions = &sessions;
  std::unique_ptr<net::TlsContexts> tls;  // STARTTLS and SMTPS
  try {
    tls =
        make_tls_contexts(settings, initial && initial->server.hostname ? *initial->server.hostname
                                                                        : settings.smtp.hostname);
  } catch (const std::exception& e) {
    std::cerr << "bounceback: " << e.what() << '\n';
    return 2;
  }
  // Puts a scenario in force, at start and on PUT /api/v1/scenario. Three swaps: a session
  // opening between them pairs the new certificate or [server] settings with the old rules
  // (rules decide replies). A fault certificate is made here, once.
  auto apply_scenario = [&](std::shared_ptr<const scenario::Scenario> s) {
    ctx.tls = tls_choice(*tls, s.get());
    ctx.config = make_session_config(settings.smtp, !settings.tls.cert_file.empty(), s.get(), true);
    if (s) engine.set_scenario(std::move(s));
  };
  apply_scenario(initial);

  net::SmtpServer smtp(pool, ctx);
  api::ApiContext api_ctx{messages,     sessions,           engine,         *clock,
                          ctx.counters, &replies,           apply_scenario, settings.api.token,
                          &events,      settings.api.routes};
  api_ctx.reactions = &reactions->counters();
  api_ctx.clock_moved = [&] { reactions->clock_moved(); };
  api_ctx.reset_reactions = [&] { reactions->clear(); };
  api_ctx.relay = relay ? &relay->counters() : nullptr;
  api_ctx.refusals = &refusals;
  // The API answers loopback names and addresses, the listener's address, --hostname and
  // --api-allowed-host; browsers may call it cross-origin from --api-cors origins.
  api::GuardConfig guard = settings.api.guard;
  guard.allowed_hosts.push_back(settings.smtp.hostname);
  api::HttpServer http(pool.api(), api_ctx, api::RequestGuard(std::move(guard)), settings.api.http);
  // "kind=ADDR:PORT" with the port actually bound (port 0 picks one), one per listener.
  std::vector<std::string> listeners;
  auto bound = [&](const char* kind, const std::string& address, std::uint16_t port) {
    listeners.push_back(std::string(kind) + '=' + address.substr(0, address.rfind(':')) + ':' +
                        std::to_string(port));
  };
  try {
    for (const auto& a : settings.listen.smtp) bound("smtp", a, smtp.listen(a, false));
    for (const auto& a : settings.listen.smtps) bound("smtps", a, smtp.listen(a, true));
    for (const auto& a : settings.listen.lmtp) {
      const auto port = smtp.listen_lmtp(a);
      if (port == 0)  // a UNIX socket: its path
        listeners.push_back("lmtp=" + a);
      else
        bound("lmtp", a, port);
    }
    bound("http", settings.listen.http,
          http.listen(settings.listen.http, settings.net.accept_backoff));
  } catch (const std::exception& e) {
    std::cerr << "bounceback: " << e.what() << '\n';
    return 2;
  }
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code ec, int) {
    if (ec) return;
    log::info("shutting down");
    http.stop();
    smtp.stop([&] { pool.stop(); });
  });
  // Only now: a test harness may send SIGTERM as soon as it reads this line.
  log::info("ready", {{"listeners", listeners},
                      {"scenario", initial ? initial->name : std::string("accept-all")}});

  pool.run();
  log::info("stopped", {{"messages", messages.accepted()}});
  return 0;
}

}  // namespace bounceback::app
