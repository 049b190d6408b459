// Postfix's delivery log lines (smtp(8), lmtp(8)): to=, status= and the remote reply inside
// "host X[ip] said: ... (in reply to ... command)", whose multi-line text Postfix joins with
// spaces.
#include <re2/re2.h>

#include "import/log_lines.hpp"

namespace bounceback::import {
namespace {

// The stage a Postfix "(in reply to X command)" names.
Stage stage_of(std::string_view command) {
  if (command == "RCPT TO") return Stage::rcpt;
  if (command == "end of DATA") return Stage::message;
  if (command == "DATA") return Stage::data;
  if (command == "MAIL FROM") return Stage::mail;
  if (command == "HELO" || command == "EHLO" || command == "LHLO") return Stage::helo;
  return Stage::rcpt;
}

// The stage of Postfix's "while ..." after a lost connection or a timeout; false for one
// Bounceback cannot close or go silent at (in the middle of the message body).
bool stage_while(std::string_view what, Stage& stage) {
  if (what.starts_with("receiving the initial server greeting"))
    stage = Stage::connect;
  else if (what.starts_with("performing the "))
    stage = Stage::helo;
  else if (what.starts_with("sending MAIL FROM"))
    stage = Stage::mail;
  else if (what.starts_with("sending RCPT TO"))
    stage = Stage::rcpt;
  else if (what.starts_with("sending DATA command"))
    stage = Stage::data;
  else if (what.starts_with("sending end of data"))
    stage = Stage::message;
  else
    return false;
  return true;
}

}  // namespace

std::optional<LogEvent> read_postfix_line(std::string_view line) {
  static const RE2 delivery(
      R"(postfix[^\[ ]*/[a-z]+\[\d+\]: ([0-9A-Za-z]+): to=<([^>]*)>,.*? status=(\w+) \((.*)\)$)");
  static const RE2 sender(R"(postfix[^\[ ]*/[a-z]+\[\d+\]: ([0-9A-Za-z]+): from=<([^>]*)>,)");
  static const RE2 said(
      R"(^(?:delivery temporarily suspended: )?host (\S+?)\[[^\]]*\] said: (.*) \(in reply to (.*) command\)$)");
  static const RE2 refused(
      R"(^(?:delivery temporarily suspended: )?host (\S+?)\[[^\]]*\] refused to talk to me: (.*)$)");
  static const RE2 lost(
      R"(^(?:delivery temporarily suspended: )?(lost connection|conversation) with (\S+?)\[[^\]]*\] (?:timed out )?while (.*)$)");
  static const RE2 relay(R"(, relay=([^\[, ]+))");
  static const RE2 dsn(R"(, dsn=(\d\.\d{1,3}\.\d{1,3}),)");
  static const RE2 any_postfix(R"(postfix[^\[ ]*/[a-z]+\[\d+\]: )");
  const re2::StringPiece in(line.data(), line.size());
  LogEvent e;
  std::string status, text;
  if (RE2::PartialMatch(in, delivery, &e.queue_id, &e.rcpt, &status, &text)) {
    RE2::PartialMatch(in, dsn, &e.status);
    std::string command, how;
    if (status == "sent") {
      e.kind = LogEvent::Kind::delivered;
      RE2::PartialMatch(in, relay, &e.host);
    } else if (RE2::FullMatch(text, said, &e.host, &e.reply, &command)) {
      e.kind = LogEvent::Kind::reply;
      e.stage = stage_of(command);
    } else if (RE2::FullMatch(text, refused, &e.host, &e.reply)) {
      e.kind = LogEvent::Kind::reply;
      e.stage = Stage::connect;
    } else if (RE2::FullMatch(text, lost, &how, &e.host, &command)) {
      // The server went away (drop) or silent (hang) at a command Bounceback can do it at.
      e.kind = LogEvent::Kind::fault;
      e.fault = how == "lost connection" ? Fault::drop : Fault::hang;
      if (!stage_while(command, e.stage)) e.kind = LogEvent::Kind::no_reply;
    } else {
      e.kind = LogEvent::Kind::no_reply;  // connection refused, local errors
    }
    return e;
  }
  if (RE2::PartialMatch(in, sender, &e.queue_id, &e.from)) {
    e.kind = LogEvent::Kind::sender;
    return e;
  }
  if (RE2::PartialMatch(in, any_postfix)) return e;  // other
  return std::nullopt;
}

}  // namespace bounceback::import
