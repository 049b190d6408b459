// Address-encoded replies: a recipient at the reply domain names its own reply, e.g.
// 550@reply.test, 552-5.2.2@reply.test, 451-4.7.1-2times@reply.test, data-554-5.7.1@reply.test.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "scenario/reaction.hpp"
#include "smtp/reply.hpp"

namespace bounceback::scenario {

struct EncodedReply {
  bool at_message = false;  // "data-" prefix: accepted at RCPT, rejected after the message
  std::uint16_t code = 0;
  std::string_view enhanced;  // "" means the catalogue's standard one for `code`
  std::uint64_t times = 0;    // "-2times": only the first N attempts; 0 means always
};

// Parses `address` (angle brackets allowed) when its domain is `reply_domain`
// (case-insensitive); nullopt for any other address or an unreadable local part. The
// enhanced code's class must agree with the code's (RFC 3463 §2).
std::optional<EncodedReply> parse_encoded_address(std::string_view address,
                                                  std::string_view reply_domain);

// A necessary condition for parse_encoded_address(address, reply_domain) to parse: `address`
// (a closing '>' allowed) ends with '@' and a domain as long as `reply_domain`. Inline and a
// few instructions: with --state every RCPT and message asks whether a recipient counts its
// attempts (engine_shared.cpp), and almost none is at the reply domain.
inline bool may_be_encoded(std::string_view address, std::string_view reply_domain) {
  if (!address.empty() && address.back() == '>') address.remove_suffix(1);
  return !reply_domain.empty() && address.size() > reply_domain.size() &&
         address[address.size() - reply_domain.size() - 1] == '@';
}

// Whether the reply applies to attempt number `attempt` (1-based) of this (from, rcpt).
inline bool applies(const EncodedReply& e, std::uint64_t attempt) {
  return e.times == 0 || attempt <= e.times;
}

// The reply, with the catalogue's text.
smtp::Reply encoded_reply(const EncodedReply& e);

// The forms that accept the message and react later, by mail: dsn-CODE[-X.Y.Z]@ (a DSN
// reporting that reply: failed for 5xx, delayed for 4xx, delivered for 2xx), ooo@ (an
// auto-reply) and complaint@ (a complaint report).
struct EncodedReaction {
  ReactionKind kind = ReactionKind::dsn;
  report::Action action = report::Action::failed;
  smtp::Reply reply;  // dsn: catalogue text
};
std::optional<EncodedReaction> parse_encoded_reaction(std::string_view address,
                                                      std::string_view reply_domain);

}  // namespace bounceback::scenario
