// The steps of [server] replies as rows: key, step, event, the codes a positive reply to that
// step may carry (RFC 5321 §4.2 and §4.3.2), and whether it must be one line.
#include "scenario/success_replies.hpp"

#include "scenario/toml_read.hpp"

namespace bounceback::scenario {
namespace {

using smtp::EventKind;

struct StepRow {
  std::string_view key;
  Step step;
  EventKind event;
  std::uint16_t low, high;  // the codes that fit
  bool one_line;            // spliced into another reply (EHLO) or one line by nature
};

constexpr std::array<StepRow, step_count> rows{{
    {"connect", Step::connect, EventKind::connect, 220, 220, false},
    {"helo", Step::helo, EventKind::helo, 250, 250, true},
    {"ehlo", Step::ehlo, EventKind::helo, 250, 250, true},
    {"starttls", Step::starttls, EventKind::starttls, 220, 220, false},
    {"mail", Step::mail, EventKind::mail, 250, 250, false},
    {"rcpt", Step::rcpt, EventKind::rcpt, 250, 251, false},
    {"data", Step::data, EventKind::data, 354, 354, false},
    {"message", Step::message, EventKind::message, 250, 250, false},
    {"rset", Step::rset, EventKind::rset, 250, 250, false},
    {"noop", Step::noop, EventKind::noop, 250, 250, false},
    {"vrfy", Step::vrfy, EventKind::vrfy, 250, 252, false},
    {"quit", Step::quit, EventKind::quit, 221, 221, false},
}};

std::string known_keys() {
  std::string out;
  for (const auto& r : rows) out += (out.empty() ? "" : ", ") + std::string(r.key);
  return out;
}

}  // namespace

const ReplyTemplate* SuccessReplies::find(const smtp::Event& e) const {
  Step step;
  switch (e.kind) {
    case EventKind::helo:
      step = e.session && e.session->esmtp ? Step::ehlo : Step::helo;
      break;
    default: {
      const auto* row = &rows[0];
      while (row != rows.end() && row->event != e.kind) ++row;
      if (row == rows.end()) return nullptr;
      step = row->step;
    }
  }
  const auto& t = steps[static_cast<std::size_t>(step)];
  return t ? &*t : nullptr;
}

void load_success_replies(const toml::node& n, SuccessReplies& out, ErrorSink& errors) {
  const auto* t = n.as_table();
  if (!t) {
    errors.add(n.source(), "server.replies",
               "expected a table of step = \"reply\", like { mail = \"250 2.1.0 OK\" }, got " +
                   describe(n));
    return;
  }
  for (auto&& [k, v] : *t) {
    const std::string key = "server.replies." + std::string(k.str());
    const StepRow* row = nullptr;
    for (const auto& r : rows)
      if (r.key == k.str()) row = &r;
    if (!row) {
      errors.add(k.source(), key, "unknown step; expected one of: " + known_keys());
      continue;
    }
    const auto text = read_reply_text(v, key, errors);
    if (!text) continue;
    std::string error;
    auto reply = ReplyTemplate::parse(*text, error);
    if (!reply) {
      errors.add(v.source(), key, error);
      continue;
    }
    const auto code = reply->raw().code;
    if (code < row->low || code > row->high) {
      const std::string fits = row->low == row->high
                                   ? std::to_string(row->low)
                                   : std::to_string(row->low) + "-" + std::to_string(row->high);
      errors.add(v.source(), key,
                 "a " + std::string(row->key) + " reply here is a success: its code is " + fits +
                     ", got " + std::to_string(code) + " (refusals are [[rule]] replies)");
      continue;
    }
    if (row->one_line && reply->raw().text.find('\n') != std::string::npos) {
      errors.add(v.source(), key, "must be one line");
      continue;
    }
    out.steps[static_cast<std::size_t>(row->step)] = std::move(reply);
    out.for_event[static_cast<std::size_t>(row->event)] = true;
  }
}

}  // namespace bounceback::scenario
