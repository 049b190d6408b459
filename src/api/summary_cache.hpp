// Message summaries (GET /api/v1/messages' items) as JSON text, kept for the messages listed
// last, so a client polling the first page renders each message once instead of 50 on every
// call. Keyed by the store's sequence (never reused, and a stored message never changes),
// direct-mapped (slot = sequence mod slots): bounded (4,096 summaries of ~250 bytes), nothing
// to evict, a miss or a collision renders. Thread-safe; a miss renders outside the lock.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/message_store.hpp"

namespace bounceback::api {

class SummaryCache {
 public:
  explicit SummaryCache(std::size_t slots = 4096);  // a power of two

  // serialize(message_summary(m)), rendered once while it stays in its slot.
  std::shared_ptr<const std::string> get(const store::StoredMessage& m);

  std::uint64_t rendered() const;  // misses, ever (for tests)

 private:
  struct Slot {
    std::uint64_t sequence = 0;  // 0: empty (a store's sequences start at 1)
    std::shared_ptr<const std::string> json;
  };
  mutable std::mutex mutex_;
  std::vector<Slot> slots_;
  std::uint64_t rendered_ = 0;
};

// A page of summaries as the list's and the wait's JSON objects serialize (keys in their order,
// no spaces, a newline at the end), from rendered summaries: {"total","start","count",
// "messages"} then, for a list, "more":true and "next" when `more`; for a wait (`top` set),
// "more" whatever it is and the keys of `top`, the newest match's summary.
struct SummaryPage {
  std::size_t total = 0, start = 0;
  std::vector<std::shared_ptr<const std::string>> items;
  bool more = false;
  std::uint64_t next = 0;
  std::shared_ptr<const std::string> top;
};
std::string render(const SummaryPage& page);

}  // namespace bounceback::api
