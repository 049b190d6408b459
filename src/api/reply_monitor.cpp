// Reply counting by basic code, refusal events, and the info log line of every accepted
// message and every refusal.
#include "api/reply_monitor.hpp"

#include "api/json_views.hpp"
#include "log/log.hpp"
#include "smtp/reply.hpp"

namespace bounceback::api {
namespace {

// "message accepted": one line per message that got its 2xx (it is in the store by then).
void log_accepted(const smtp::Event& event) {
  const smtp::SessionFacts* s = event.session;
  log::info("message accepted",
            {{"id", event.queue_id},
             {"from", event.from},
             {"rcpt_count", event.rcpts.size()},
             {"rcpt", event.rcpts},
             {"size", event.size},
             {"session", s ? std::string_view(s->id) : std::string_view{}},
             {"client", s ? std::string_view(s->client_ip) : std::string_view{}}});
}

// "refused": one line per 4xx/5xx reply to MAIL, RCPT, DATA/BDAT or the end of a message.
void log_refused(const smtp::Event& event, std::string_view wire) {
  smtp::Reply reply;
  if (!smtp::parse_reply(wire, reply)) return;
  std::string text = reply.text;  // a multi-line reply as one line, as in the attempts API
  for (std::size_t at = 0; (at = text.find('\n', at)) != std::string::npos; at += 3)
    text.replace(at, 1, " / ");
  const smtp::SessionFacts* s = event.session;
  const std::string_view session = s ? std::string_view(s->id) : std::string_view{};
  const std::string_view client = s ? std::string_view(s->client_ip) : std::string_view{};
  // At RCPT the refusal is for that one recipient; later, for the transaction's recipients.
  const log::Value rcpt =
      event.kind == smtp::EventKind::rcpt ? log::Value(event.rcpt) : log::Value(event.rcpts);
  log::info("refused", {{"code", reply.code},
                        {"enhanced", reply.enhanced},
                        {"text", text},
                        {"stage", smtp::to_string(event.kind)},
                        {"from", event.from},
                        {"rcpt", rcpt},
                        {"session", session},
                        {"client", client}});
}

}  // namespace

void ReplyMonitor::replied(const smtp::Event& event, std::string_view wire,
                           const smtp::Decision& decision) {
  if (wire.empty()) [[unlikely]] {  // a drop or a hang: no reply, yet the client was refused
    keep_silence(event, decision);
    inner_.replied(event, wire, decision);
    return;
  }
  // The banner's and HELO's refusals are for the attempt log: the counters and the refusal
  // log line stay those of MAIL, RCPT, DATA/BDAT and the message.
  if (event.kind != smtp::EventKind::connect && event.kind != smtp::EventKind::helo)
    observe(event, wire);
  else
    keep_refusal(event, wire);
  inner_.replied(event, wire, decision);
}

void ReplyMonitor::refused(const smtp::Event& event, std::string_view wire) {
  observe(event, wire);
  inner_.refused(event, wire);
}

void ReplyMonitor::observe(const smtp::Event& event, std::string_view wire) {
  if (wire.size() >= 3 && wire[0] >= '2' && wire[0] <= '5' && wire[1] >= '0' && wire[1] <= '9' &&
      wire[2] >= '0' && wire[2] <= '9') {
    const unsigned code = (wire[0] - '0') * 100u + (wire[1] - '0') * 10u + (wire[2] - '0');
    by_code_[code].fetch_add(1, std::memory_order_relaxed);
    if (code >= 400) keep_refusal(event, wire);
    if (code >= 400 && feed_ && feed_->active()) publish_refusal(event, wire);
    if (log::enabled(log::Level::info)) {
      if (code >= 400)
        log_refused(event, wire);
      else if (code < 300 && event.kind == smtp::EventKind::message)
        log_accepted(event);
    }
  }
}

void ReplyMonitor::publish_refusal(const smtp::Event& event, std::string_view wire) {
  using store::json_string;
  std::string_view first_line = wire.substr(0, wire.find("\r\n"));
  std::string json = "{\"stage\":" + json_string(smtp::to_string(event.kind)) +
                     ",\"session_id\":" + json_string(event.session ? event.session->id : "") +
                     ",\"from\":" + json_string(event.from) + ",\"to\":[";
  if (event.kind == smtp::EventKind::rcpt) {
    json += json_string(event.rcpt);
  } else {
    for (std::size_t i = 0; i < event.rcpts.size(); ++i) {
      if (i) json += ',';
      json += json_string(event.rcpts[i]);
    }
  }
  json += "],\"reply\":" + json_string(first_line) + "}";
  feed_->publish("message_rejected", json);
}

void ReplyMonitor::keep_refusal(const smtp::Event& event, std::string_view wire,
                                store::RefusalOutcome how) {
  if (!refusals_) return;
  const bool listened = feed_ && feed_->active();
  store::Refusal copy;
  store::Refusal* const out = listened ? &copy : nullptr;
  const auto id = how == store::RefusalOutcome::reply ? refusals_->record(event, wire, out)
                                                      : refusals_->record_silence(event, how, out);
  if (id && listened) feed_->publish("refusal", serialize(refusal_json(copy)));
}

void ReplyMonitor::keep_silence(const smtp::Event& event, const smtp::Decision& decision) {
  if (!decision.drop && !decision.hang) return;
  keep_refusal(event, {},
               decision.hang          ? store::RefusalOutcome::hang
               : decision.fault.reset ? store::RefusalOutcome::reset
                                      : store::RefusalOutcome::drop);
}

void ReplyMonitor::refused_other(const smtp::Event& event, std::string_view wire) {
  keep_refusal(event, wire);
  inner_.refused_other(event, wire);
}

std::uint64_t ReplyMonitor::count(unsigned code) const {
  return code < by_code_.size() ? by_code_[code].load(std::memory_order_relaxed) : 0;
}

}  // namespace bounceback::api
