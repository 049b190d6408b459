// EventFeed and the JSON string helper shared by the spool's envelope files.
#include "store/event_feed.hpp"

namespace bounceback::store {

std::uint64_t EventFeed::subscribe(Observer observer) {
  std::lock_guard lock(mutex_);
  observers_.emplace_back(next_token_, std::move(observer));
  subscribers_.store(observers_.size(), std::memory_order_relaxed);
  return next_token_++;
}

void EventFeed::unsubscribe(std::uint64_t token) {
  std::lock_guard lock(mutex_);
  std::erase_if(observers_, [&](const auto& o) { return o.first == token; });
  subscribers_.store(observers_.size(), std::memory_order_relaxed);
}

void EventFeed::publish(std::string_view name, const std::string& json) {
  if (!active()) return;
  std::vector<Observer> observers;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [token, observer] : observers_) observers.push_back(observer);
  }
  for (const auto& observer : observers) observer(name, json);
}

std::string json_string(std::string_view s) {
  static const char hex[] = "0123456789abcdef";
  std::string out = "\"";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      out += "\\u00";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += ch;
    }
  }
  return out + '"';
}

}  // namespace bounceback::store
