// The rule model: which events a rule listens to, what must hold (matchers and stateful
// conditions) and what it does (actions). Built by the loader, read-only afterwards.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "scenario/cidr.hpp"
#include "scenario/pattern.hpp"
#include "scenario/reaction.hpp"
#include "scenario/reply_template.hpp"
#include "scenario/units.hpp"
#include "smtp/event.hpp"

namespace bounceback::scenario {

// A set of EventKinds, one bit each.
using EventMask = std::uint32_t;
constexpr EventMask event_bit(smtp::EventKind k) {
  return EventMask{1} << static_cast<unsigned>(k);
}
constexpr EventMask all_events = (EventMask{1} << smtp::event_kind_count) - 1;

struct HeaderMatcher {
  std::string name;  // as written; compared case-insensitively
  Pattern pattern;
};

struct GreylistSpec {
  std::chrono::milliseconds retry_after{0};
  std::chrono::milliseconds expire{std::chrono::hours(4)};
};

enum class RateKey : std::uint8_t { client_ip, from, rcpt, helo, auth_user };

struct RateLimitSpec {
  std::uint64_t max = 0;
  std::chrono::milliseconds per{0};
  RateKey key = RateKey::client_ip;
};

struct Rule {
  std::uint32_t index = 0;             // position in the file, 0-based (the Decision's `rule`)
  std::uint32_t line = 0, column = 0;  // of the [[rule]] header, for messages
  EventMask on = 0;

  // Matchers: every one that is set must hold.
  std::optional<Pattern> from, rcpt, helo, auth_user, body;
  std::vector<HeaderMatcher> headers;
  std::vector<Cidr> client_ip;  // any of them
  std::optional<bool> tls;
  std::optional<bool> esmtp;  // greeted with EHLO/LHLO; at `helo`, the greeting being sent
  std::optional<std::uint64_t> size_over;
  std::optional<Range> attempts, nth_message;
  std::optional<double> probability;

  // Stateful conditions, evaluated after the matchers above hold.
  std::optional<GreylistSpec> greylist;
  std::optional<std::uint64_t> quota;
  std::optional<RateLimitSpec> rate_limit;

  // Actions.
  std::optional<ReplyTemplate> reply;
  std::chrono::milliseconds delay{0}, drip{0};
  bool disconnect = false, drop = false, hang = false;
  smtp::Fault fault;    // the MX's own faults: spoiled or cut replies, RST, shutdown (faults.hpp)
  Reactions reactions;  // at message: DSNs, auto-reply, complaint sent later (reaction.hpp)

  bool stateful() const { return attempts || greylist || quota || rate_limit; }
};

}  // namespace bounceback::scenario
