// The stateless matchers of a rule: everything that depends only on the event (addresses,
// client, TLS, size, headers, body, message number, seeded probability).
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

#include "scenario/body_regexes.hpp"
#include "scenario/rule.hpp"
#include "smtp/event.hpp"

namespace bounceback::scenario {

// What matching learned that the actions need.
struct MatchInfo {
  std::string_view
      rcpt;  // the recipient that satisfied `rcpt` (at data/message: the first that did)
};

// `body`: the event's body search, shared by the rules tried for the event.
bool matches_stateless(const Rule& rule, const smtp::Event& event, std::uint64_t seed,
                       BodyRegexes::Search& body, MatchInfo& info);

// The probability draw of `rule` at `event`: depends only on (seed, session number, event
// sequence, rule index), so concurrent sessions never shift each other's draws.
double probability_draw(std::uint64_t seed, const smtp::Event& event, std::uint32_t rule);

// The HELO name and authenticated user as a rule sees them at `event`.
std::string_view helo_of(const smtp::Event& event);
std::string_view auth_user_of(const smtp::Event& event);

// What a reply template at `event` fills in, for recipient `rcpt`; the tokens are
// reproducible from (seed, session) and (seed, session, event number).
TemplateValues template_values(const smtp::Event& event, std::string_view rcpt, std::uint64_t seed,
                               std::chrono::system_clock::time_point now);

}  // namespace bounceback::scenario
