// Exim's main log: "**" (bounced) and "==" (deferred) deliveries with "SMTP error from remote
// mail server after COMMAND: reply", "=>" deliveries and "<=" arrivals (the sender). Exim
// writes a reply's line breaks as a literal "\n".
#include <re2/re2.h>

#include "import/log_lines.hpp"

namespace bounceback::import {

namespace {

// The stage Exim names a command by, or false for one Bounceback has no event for (a data
// block in the middle of the message).
bool known_stage(std::string_view after, Stage& stage) {
  if (after.starts_with("pipelined ")) after.remove_prefix(10);
  if (after.starts_with("RCPT TO"))
    stage = Stage::rcpt;
  else if (after.starts_with("end of data") || after.starts_with("end of BDAT"))
    stage = Stage::message;
  else if (after.starts_with("DATA") || after.starts_with("BDAT"))
    stage = Stage::data;
  else if (after.starts_with("MAIL FROM"))
    stage = Stage::mail;
  else if (after.starts_with("EHLO") || after.starts_with("HELO"))
    stage = Stage::helo;
  else if (after.starts_with("initial connection"))
    stage = Stage::connect;
  else
    return false;
  return true;
}

}  // namespace

Stage stage_after(std::string_view after) {
  Stage stage = Stage::rcpt;
  known_stage(after, stage);
  return stage;
}

std::optional<LogEvent> read_exim_line(std::string_view line) {
  static const RE2 head(
      R"(^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?(?: [-+]\d{4})? (?:\[\d+\] )?([0-9A-Za-z]{6}-[0-9A-Za-z]{6,12}-[0-9A-Za-z]{2,4}) (\*\*|==|=>|->|<=|Completed)(.*)$)");
  // "H=mx [ip]: SMTP error ... after CMD: 550 ..." (Exim 4.8x on), or "T=remote_smtp: SMTP
  // error ... after CMD: host mx [ip]: 550 ..." (older Exims put the host after the command).
  static const RE2 error(
      R"(: SMTP error from remote mail server after (.*?): (?:host (\S+) \[[^\]]*\]: )?([2-5]\d\d(?:[ -].*)?)$)");
  static const RE2 host(R"( H=(\S+) \[)");
  static const RE2 closed(
      R"(Remote host (?:\S+ \[[^\]]*\] )?(closed) connection in response to (.*)$)");
  static const RE2 timeout(R"(SMTP timeout after (.*)$)");
  static const RE2 address(R"(^ (\S+))");
  const re2::StringPiece in(line.data(), line.size());
  LogEvent e;
  std::string flag, rest;
  if (!RE2::FullMatch(in, head, &e.queue_id, &flag, &rest)) return std::nullopt;
  std::string first;
  RE2::PartialMatch(rest, address, &first);
  if (flag == "<=") {
    e.kind = LogEvent::Kind::sender;
    e.from = first == "<>" ? "" : first;
    return e;
  }
  if (flag == "Completed" || flag == "->") return e;  // other
  e.rcpt = first;
  if (flag == "=>") {
    e.kind = LogEvent::Kind::delivered;
    RE2::PartialMatch(rest, host, &e.host);
    return e;
  }
  std::string after, named;
  if (RE2::PartialMatch(rest, error, &after, &named, &e.reply)) {
    e.kind = LogEvent::Kind::reply;
    if (!RE2::PartialMatch(rest, host, &e.host)) e.host = named;
    e.stage = stage_after(after);
    e.multi_line_escaped = true;
  } else if (std::string how; RE2::PartialMatch(rest, closed, &how, &after) ||
                              RE2::PartialMatch(rest, timeout, &after)) {
    // "Remote host closed connection in response to RCPT TO:<u@x>", "SMTP timeout after end
    // of data": a drop or a hang, where Bounceback can do it.
    e.kind = known_stage(after, e.stage) ? LogEvent::Kind::fault : LogEvent::Kind::no_reply;
    e.fault = how.empty() ? Fault::hang : Fault::drop;
    RE2::PartialMatch(rest, host, &e.host);
  } else {
    e.kind = LogEvent::Kind::no_reply;  // retry timeouts, connection errors, routing failures
  }
  return e;
}

}  // namespace bounceback::import
