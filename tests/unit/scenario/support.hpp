// Test helpers: load a scenario from text (failing the test on errors) and build events the
// way the session does.
#pragma once

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "scenario/clock.hpp"
#include "scenario/engine.hpp"
#include "scenario/loader.hpp"

namespace test {

using namespace bounceback;
using smtp::EventKind;

inline std::shared_ptr<const scenario::Scenario> load(const std::string& toml) {
  auto r = scenario::load_scenario_text(toml, "test.toml");
  INFO(r.error_text());
  REQUIRE(r.ok());
  return r.scenario;
}

// The first error of a file that must not load.
inline scenario::LoadError first_error(const std::string& toml) {
  auto r = scenario::load_scenario_text(toml, "bad.toml");
  REQUIRE_FALSE(r.ok());
  REQUIRE_FALSE(r.errors.empty());
  return r.errors.front();
}

// A session as the SMTP session would describe it; events built from its current state.
struct Client {
  smtp::SessionFacts facts;
  std::string from;
  std::vector<std::string> rcpts;
  std::string message;
  std::string queue_id = "4ABCDEF123";
  std::string server_name = "mx.example.test";
  std::uint32_t sequence = 0;
  std::uint32_t nth_message = 1;
  std::uint64_t size = 0;

  explicit Client(std::string ip = "192.0.2.10", std::uint64_t number = 1) {
    facts.client_ip = std::move(ip);
    facts.number = number;
    facts.id = "s" + std::to_string(number);
    facts.helo = "client.example";
  }

  smtp::Event event(EventKind kind, std::string_view rcpt = {}) {
    smtp::Event e;
    e.kind = kind;
    e.session = &facts;
    e.server_name = server_name;
    e.sequence = ++sequence;
    e.from = from;
    e.rcpt = rcpt;
    e.rcpts = rcpts;
    e.nth_message = nth_message;
    e.size = kind == EventKind::message ? message.size() : size;
    e.queue_id = queue_id;
    if (kind == EventKind::message) e.message = message;
    return e;
  }
};

struct Harness {
  std::shared_ptr<scenario::ManualClock> clock = std::make_shared<scenario::ManualClock>();
  scenario::Engine engine{clock};

  explicit Harness(const std::string& toml = {}) {
    if (!toml.empty()) engine.set_scenario(load(toml));
  }

  // An event as the session does it: decide, then report the reply it sent (none for a drop
  // or hang); `normal` is the reply when the decision has none.
  smtp::Decision event(Client& c, EventKind kind, std::string normal, std::string_view rcpt = {}) {
    auto e = c.event(kind, rcpt);
    auto d = engine.decide(e);
    const std::string wire = d.drop || d.hang ? "" : d.reply ? d.reply->wire() : normal;
    engine.replied(e, wire, d);
    return d;
  }

  smtp::Decision rcpt(Client& c, const std::string& address) {
    auto d = event(c, EventKind::rcpt, "250 2.1.5 Ok\r\n", address);
    if (!d.drop && !d.hang && (!d.reply || d.reply->code < 400)) c.rcpts.push_back(address);
    return d;
  }

  smtp::Decision message(Client& c, std::string body) {
    c.message = std::move(body);
    auto e = c.event(EventKind::message);
    auto d = engine.decide(e);
    const std::string wire = d.drop || d.hang ? ""
                             : d.reply        ? d.reply->wire()
                                              : "250 2.0.0 Ok: queued\r\n";
    engine.replied(e, wire, d);
    c.rcpts.clear();
    ++c.nth_message;
    return d;
  }
};

inline std::uint16_t code_of(const smtp::Decision& d) {
  return d.reply ? d.reply->code : 0;
}

}  // namespace test
