// Reply counting by basic code, and refusal events.
#include "api/reply_monitor.hpp"

namespace bounceback::api {

void ReplyMonitor::replied(const smtp::Event& event, std::string_view wire,
                           const smtp::Decision& decision) {
  if (wire.size() >= 3 && wire[0] >= '2' && wire[0] <= '5' && wire[1] >= '0' && wire[1] <= '9' &&
      wire[2] >= '0' && wire[2] <= '9') {
    const unsigned code = (wire[0] - '0') * 100u + (wire[1] - '0') * 10u + (wire[2] - '0');
    by_code_[code].fetch_add(1, std::memory_order_relaxed);
    if (code >= 400 && feed_ && feed_->active()) publish_refusal(event, wire);
  }
  inner_.replied(event, wire, decision);
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

std::uint64_t ReplyMonitor::count(unsigned code) const {
  return code < by_code_.size() ? by_code_[code].load(std::memory_order_relaxed) : 0;
}

}  // namespace bounceback::api
