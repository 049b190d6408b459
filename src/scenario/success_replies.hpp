// [server] replies: the positive replies a persona words as its provider does ("250 2.1.0 OK
// {token} - gsmtp"), one template per step, given when no rule and no address-encoded reply
// decides. A table of steps, each with the event it answers and the codes that fit it.
#pragma once

#include <toml++/toml.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "scenario/reply_template.hpp"
#include "smtp/event.hpp"

namespace bounceback::scenario {

class ErrorSink;

enum class Step : std::uint8_t {
  connect,   // the banner, whole: "220 mx.google.com ESMTP {token} - gsmtp"
  helo,      // HELO's reply
  ehlo,      // EHLO's greeting line; the capability list follows it
  starttls,  // 220 before the handshake
  mail,
  rcpt,
  data,     // 354
  message,  // 250 after the data (DATA's dot or BDAT LAST)
  rset,
  noop,
  vrfy,
  quit,  // 221
};
inline constexpr std::size_t step_count = 12;

struct SuccessReplies {
  std::array<std::optional<ReplyTemplate>, step_count> steps;
  // Whether any step answers this event kind (decide() skips the rest when none does).
  std::array<bool, smtp::event_kind_count> for_event{};

  // The template for `e`, or null: HELO and EHLO share the helo event.
  const ReplyTemplate* find(const smtp::Event& e) const;
};

// Reads `replies = { mail = "...", ... }`: known steps, codes that fit them, one line where the
// step takes one (helo, ehlo).
void load_success_replies(const toml::node& n, SuccessReplies& out, ErrorSink& errors);

}  // namespace bounceback::scenario
