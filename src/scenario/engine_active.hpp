// The engine's own pieces, shared by its decision paths (engine.cpp in memory,
// engine_shared.cpp with shared state): the scenario in force with its hit counters, and the
// keys of the stateful tables, which must be the same on both paths and on every replica.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string_view>

#include "scenario/engine.hpp"
#include "scenario/hash.hpp"
#include "scenario/match.hpp"

namespace bounceback::scenario {

// The scenario in force and its hit counters, swapped together.
struct Engine::Active {
  explicit Active(std::shared_ptr<const Scenario> s)
      : scenario(std::move(s)), hits(new std::atomic<std::uint64_t>[scenario->rules.size()]) {
    for (std::size_t i = 0; i < scenario->rules.size(); ++i) {
      hits[i] = 0;
      const Rule& rule = scenario->rules[i];
      for (std::size_t k = 0; k < smtp::event_kind_count; ++k)
        if (rule.attempts && (rule.on & event_bit(static_cast<smtp::EventKind>(k))))
          reads_attempts[k] = true;
    }
    using K = smtp::EventKind;
    const auto at = [&](K k) { return reads_attempts[static_cast<std::size_t>(k)]; };
    counts_recipients = at(K::rcpt) || at(K::data) || at(K::message);
  }
  std::shared_ptr<const Scenario> scenario;
  std::unique_ptr<std::atomic<std::uint64_t>[]> hits;
  // With shared state: which events have an `attempts` rule, and whether the RCPT counters
  // must be counted there (a rule reads them at rcpt, data or message).
  std::array<bool, smtp::event_kind_count> reads_attempts{};
  bool counts_recipients = false;
};

namespace keys {

inline std::string_view client_ip_of(const smtp::Event& e) {
  return e.session ? std::string_view(e.session->client_ip) : std::string_view{};
}

// Attempt counters: per (from, rcpt), and per client at connect.
inline std::uint64_t pair(std::string_view from, std::string_view rcpt) {
  return KeyHash().add(std::uint64_t{1}).add(from).add(rcpt).value();
}
inline std::uint64_t client(const smtp::Event& e) {
  return KeyHash().add(std::uint64_t{2}).add(client_ip_of(e)).value();
}
// Bytes accepted per recipient.
inline std::uint64_t quota(std::string_view rcpt) {
  return KeyHash().add(rcpt).value();
}
// The greylist triplet.
inline std::uint64_t triplet(const smtp::Event& e) {
  return KeyHash().add(client_ip_of(e)).add(e.from).add(e.rcpt).value();
}

inline std::string_view rate_value(RateKey key, const smtp::Event& e) {
  switch (key) {
    case RateKey::client_ip:
      return client_ip_of(e);
    case RateKey::from:
      return e.from;
    case RateKey::rcpt:
      return e.rcpt;
    case RateKey::helo:
      return helo_of(e);
    case RateKey::auth_user:
      return auth_user_of(e);
  }
  return {};
}
// A rate window: per rule and value of its key.
inline std::uint64_t rate(const Rule& rule, const smtp::Event& e) {
  return KeyHash().add(std::uint64_t{rule.index}).add(rate_value(rule.rate_limit->key, e)).value();
}

}  // namespace keys
}  // namespace bounceback::scenario
