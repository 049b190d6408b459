// EventFeed and the JSON string helper shared by the spool's envelope files.
#include "store/event_feed.hpp"

#include <utility>

namespace bounceback::store {

// A new list for each change (an event stream opening or closing), so a publish in flight keeps
// calling the list it took; the list let go is freed after the lock.
std::uint64_t EventFeed::subscribe(Observer observer) {
  std::shared_ptr<const Observers> old;
  std::lock_guard lock(mutex_);
  auto next = observers_ ? std::make_shared<Observers>(*observers_) : std::make_shared<Observers>();
  const auto token = next_token_++;
  next->emplace_back(token, std::move(observer));
  subscribers_.store(next->size(), std::memory_order_relaxed);
  old = std::exchange(observers_, std::move(next));
  return token;
}

void EventFeed::unsubscribe(std::uint64_t token) {
  std::shared_ptr<const Observers> old;
  std::lock_guard lock(mutex_);
  if (!observers_) return;
  auto next = std::make_shared<Observers>();
  for (const auto& o : *observers_)
    if (o.first != token) next->push_back(o);
  if (next->size() == observers_->size()) return;
  subscribers_.store(next->size(), std::memory_order_relaxed);
  old = std::exchange(observers_, next->empty() ? nullptr : std::move(next));
}

void EventFeed::publish(std::string_view name, const std::string& json) {
  if (!active()) return;
  std::shared_ptr<const Observers> observers;  // a pointer copied, not the observers
  {
    std::lock_guard lock(mutex_);
    observers = observers_;
  }
  if (!observers) return;
  for (const auto& [token, observer] : *observers) observer(name, json);
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
