// Live fan-out of server events that are not messages (session opened/closed, a mail
// transaction refused) to subscribers such as the HTTP API's event stream. Publishing
// costs one relaxed load while nobody listens.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace bounceback::store {

class EventFeed {
 public:
  // `name` is the SSE event name; `json` one line of JSON. Runs on the publishing thread.
  using Observer = std::function<void(std::string_view name, const std::string& json)>;

  std::uint64_t subscribe(Observer observer);
  // A publish that took the list before may still call the observer after this returns (the
  // list it took keeps the observer alive until then): share, do not borrow.
  void unsubscribe(std::uint64_t token);
  bool active() const { return subscribers_.load(std::memory_order_relaxed) > 0; }
  // Copies no Observer and allocates nothing: the list is copied on write (subscribe and
  // unsubscribe, rare), a publish takes a pointer to it under the lock and calls outside it.
  void publish(std::string_view name, const std::string& json);

 private:
  using Observers = std::vector<std::pair<std::uint64_t, Observer>>;
  std::mutex mutex_;
  std::shared_ptr<const Observers> observers_;  // null: none
  std::uint64_t next_token_ = 1;
  std::atomic<std::size_t> subscribers_{0};
};

// A JSON string literal (quotes included) for hand-built one-line JSON.
std::string json_string(std::string_view s);

}  // namespace bounceback::store
