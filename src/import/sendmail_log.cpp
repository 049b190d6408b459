// Sendmail's delivery lines: "to=<u@x>, ..., relay=mx. [ip], dsn=X.Y.Z, stat=TEXT". A deferral
// keeps the remote reply ("stat=Deferred: 451 4.7.1 ..."); a bounce often keeps only its
// meaning ("dsn=5.1.1, stat=User unknown"), from which a reply is made.
#include <re2/re2.h>

#include "import/log_lines.hpp"

namespace bounceback::import {

std::optional<LogEvent> read_sendmail_line(std::string_view line) {
  static const RE2 delivery(
      R"((?:sendmail|sm-mta|sm-msp-queue)\[\d+\]: ([0-9A-Za-z]+): to=(.*?), (?:ctladdr|delay)=.*? stat=(.*)$)");
  static const RE2 sender(
      R"((?:sendmail|sm-mta|sm-msp-queue)\[\d+\]: ([0-9A-Za-z]+): from=<?([^>,]*)>?,)");
  static const RE2 relay(R"(, relay=([^\[, ]+))");
  static const RE2 dsn(R"(, dsn=(\d\.\d{1,3}\.\d{1,3}),)");
  static const RE2 any_sendmail(R"((?:sendmail|sm-mta|sm-msp-queue)\[\d+\]: )");
  const re2::StringPiece in(line.data(), line.size());
  LogEvent e;
  std::string to, stat;
  if (RE2::PartialMatch(in, delivery, &e.queue_id, &to, &stat)) {
    // to=<a@x>,<b@y>: the first; a line per recipient is the usual case.
    if (const auto comma = to.find(','); comma != std::string::npos) to.resize(comma);
    if (to.size() >= 2 && to.front() == '<' && to.back() == '>') to = to.substr(1, to.size() - 2);
    e.rcpt = to;
    RE2::PartialMatch(in, relay, &e.host);
    if (!e.host.empty() && e.host.back() == '.') e.host.pop_back();
    RE2::PartialMatch(in, dsn, &e.status);
    if (stat.starts_with("Sent")) {
      e.kind = LogEvent::Kind::delivered;
    } else if (stat.starts_with("Deferred: ") && stat.size() > 13 && stat[10] >= '4' &&
               stat[10] <= '5' && (stat[13] == ' ' || stat[13] == '-')) {
      e.kind = LogEvent::Kind::reply;
      e.reply = stat.substr(10);
    } else if (!stat.starts_with("Deferred") && !e.status.empty() &&
               (e.status[0] == '5' || e.status[0] == '4')) {
      e.kind = LogEvent::Kind::reply;  // made from dsn= and stat= (Attempt::reconstructed)
      e.reply = stat;
    } else {
      e.kind = LogEvent::Kind::no_reply;
    }
    return e;
  }
  if (RE2::PartialMatch(in, sender, &e.queue_id, &e.from)) {
    e.kind = LogEvent::Kind::sender;
    return e;
  }
  if (RE2::PartialMatch(in, any_sendmail)) return e;
  return std::nullopt;
}

}  // namespace bounceback::import
