// bounceback::embedded::Server (include/bounceback/embedded.hpp): app::Server, the wiring
// `bounceback serve` runs, on a thread of its own; reads and steers it through the same
// ApiContext the HTTP routes use, so the two cannot disagree. No Asio here.
#include <bounceback/embedded.hpp>
#include <condition_variable>
#include <iostream>
#include <limits>
#include <mutex>
#include <thread>

#include "api/api_context.hpp"
#include "api/message_filter.hpp"
#include "api/message_query.hpp"
#include "app/app.hpp"
#include "app/options.hpp"
#include "scenario/encoded_words.hpp"
#include "scenario/loader.hpp"
#include "scenario/message_text.hpp"

namespace bounceback::embedded {
namespace {

app::Settings settings_of(const Options& options) {
  std::vector<std::string> args{"--log-level", "warn"};  // later options override
  args.insert(args.end(), options.args.begin(), options.args.end());
  app::Settings s;
  try {
    s = app::parse_serve_options(args);
  } catch (const app::UsageError& e) {
    throw std::invalid_argument(std::string("bounceback: ") + e.what());
  }
  // Free loopback ports, unless the options chose (the defaults are 1025 and 8025).
  const app::Settings defaults;
  if (s.listen.smtp == std::vector<std::string>{"127.0.0.1:1025"}) s.listen.smtp = {"127.0.0.1:0"};
  if (s.listen.http == defaults.listen.http) s.listen.http = "127.0.0.1:0";
  return s;
}

// The port of the first "kind=ADDR:PORT" listener of that kind (app::Server::listeners).
std::uint16_t port_of(const std::vector<std::string>& listeners, std::string_view kind) {
  for (const auto& l : listeners)
    if (l.starts_with(kind) && l.size() > kind.size() && l[kind.size()] == '=')
      return static_cast<std::uint16_t>(std::stoul(l.substr(l.rfind(':') + 1)));
  return 0;
}

Message message_of(const store::StoredMessage& stored) {
  const auto& m = stored.message;
  Message out;
  out.id = m.queue_id;
  out.from = m.from;
  for (const auto& r : m.rcpts) out.to.push_back(r.address);
  out.subject = scenario::decode_encoded_words(api::message_subject(m.data));
  std::string storage;
  out.text = std::string(scenario::message_text(m.data, storage));
  out.raw = m.data;
  out.received_at = stored.received_at;
  out.session_id = m.session_id;
  out.client_ip = m.client_ip;
  out.generated = m.generated;
  return out;
}

api::MessageFilter filter_of(const Filter& f) {
  api::MessageFilter filter;
  filter.to = f.to;
  filter.from = f.from;
  filter.subject = f.subject;
  return filter;
}

// What wait_for shares with the store's observer, which may run after it unsubscribed.
struct Wakeup {
  std::mutex mutex;
  std::condition_variable cv;
  bool woken = false;
};

}  // namespace

struct Server::Impl {
  explicit Impl(const app::Settings& settings) : server(settings) {}
  app::Server server;
  api::ApiContext& api = server.context();
  std::thread thread;
  std::mutex stop_mutex;

  std::optional<Message> newest(const api::MessageFilter& filter) const {
    api::MatchQuery query{{0, 1}};
    query.count_all = false;  // the newest match is enough
    const auto found = api::find_matches(api.messages, filter, query);
    if (!found.first) return std::nullopt;
    return message_of(*found.first);
  }
  void apply(const scenario::LoadResult& loaded) {
    if (!loaded.ok()) {
      auto text = loaded.error_text();
      if (!text.empty() && text.back() == '\n') text.pop_back();
      throw ScenarioError(text);
    }
    api.apply_scenario(loaded.scenario);
  }
};

Server::Server(Options options) {
  try {
    impl_ = std::make_unique<Impl>(settings_of(options));
  } catch (const app::StartError& e) {
    std::string text = e.what();
    if (!text.empty() && text.back() == '\n') text.pop_back();
    throw std::runtime_error(text);
  }
  if (!options.scenario.empty()) use_scenario(options.scenario);
  impl_->thread = std::thread([impl = impl_.get()] {
    try {
      impl->server.run();
    } catch (const std::exception& e) {  // an event loop's handler threw: nothing more runs
      std::cerr << "bounceback (embedded): stopped: " << e.what() << '\n';
    }
  });
}

Server::~Server() {
  stop();
}

void Server::stop() {
  std::lock_guard lock(impl_->stop_mutex);
  if (!impl_->thread.joinable()) return;
  impl_->server.stop();
  impl_->thread.join();
}

std::uint16_t Server::smtp_port() const {
  return port_of(impl_->server.listeners(), "smtp");
}

std::uint16_t Server::http_port() const {
  return port_of(impl_->server.listeners(), "http");
}

std::string Server::api_url() const {
  return "http://127.0.0.1:" + std::to_string(http_port());
}

std::vector<Message> Server::messages(const Filter& f) const {
  const auto filter = filter_of(f);
  std::vector<Message> out;
  const auto found = api::find_matches(impl_->api.messages, filter, {{0, SIZE_MAX}});
  for (const auto& m : found.messages) out.push_back(message_of(*m));
  return out;
}

std::optional<Message> Server::message(std::string_view id) const {
  const auto m = impl_->api.messages.find(id);
  if (!m) return std::nullopt;
  return message_of(*m);
}

Message Server::wait_for(const Filter& f, std::chrono::milliseconds timeout) const {
  const auto filter = filter_of(f);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto wakeup = std::make_shared<Wakeup>();
  auto& store = impl_->api.messages;
  // Subscribed before the first look, so a message stored in between is not missed.
  const auto token = store.subscribe([wakeup, filter](const store::MessagePtr& m) {
    if (!filter.matches(*m)) return;
    std::lock_guard lock(wakeup->mutex);
    wakeup->woken = true;
    wakeup->cv.notify_all();
  });
  struct Unsubscribe {
    store::MessageStore& store;
    std::uint64_t token;
    ~Unsubscribe() { store.unsubscribe(token); }
  } unsubscribe{store, token};
  for (;;) {
    if (auto found = impl_->newest(filter)) return *found;
    std::unique_lock lock(wakeup->mutex);
    if (!wakeup->cv.wait_until(lock, deadline, [&] { return wakeup->woken; }))
      throw WaitTimeout("bounceback: no message matching to=" + f.to + " from=" + f.from +
                        " subject=" + f.subject + " within " + std::to_string(timeout.count()) +
                        " ms");
    wakeup->woken = false;
  }
}

std::vector<Attempt> Server::attempts(std::string_view rcpt, std::string_view from) const {
  const auto page = impl_->api.engine.attempts(
      [rcpt, from](const scenario::AttemptRecord& a) {
        return (rcpt.empty() || api::address_matches(rcpt, a.rcpt)) &&
               (from.empty() || api::address_matches(from, a.from));
      },
      0, std::numeric_limits<std::size_t>::max());
  std::vector<Attempt> out;
  out.reserve(page.records.size());
  for (const auto& a : page.records)
    out.push_back({a.at, a.from, a.rcpt, a.client_ip, a.session_id,
                   std::string(smtp::to_string(a.stage)),
                   std::string(scenario::to_string(a.outcome)), a.reply, a.gap});
  return out;
}

void Server::use_scenario(std::string_view toml_or_name) {
  // A name or a path is one line without '='; TOML text has a key.
  const bool text = toml_or_name.find_first_of("=\n") != std::string_view::npos;
  impl_->apply(text ? scenario::load_scenario_text(toml_or_name, "scenario")
                    : scenario::load_scenario(toml_or_name));
}

void Server::use_scenario_file(const std::filesystem::path& file) {
  impl_->apply(scenario::load_scenario_file(file.string()));
}

void Server::advance_clock(std::chrono::milliseconds by) {
  if (!impl_->api.clock.advance(by))
    throw std::invalid_argument(
        "bounceback: the scenario clock moves forward only, at most 100 years in all");
  if (impl_->api.clock_moved) impl_->api.clock_moved();
}

void Server::reset() {
  auto& api = impl_->api;
  api.engine.reset_state();
  if (api.reset_reactions) api.reset_reactions();
  api.messages.clear();
  if (api.refusals) api.refusals->clear();
}

}  // namespace bounceback::embedded
