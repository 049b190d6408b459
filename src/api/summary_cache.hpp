// Message summaries (GET /api/v1/messages' items) as JSON text, kept for the messages listed
// last, so a client polling the first page renders each message once instead of 50 on every
// call. Keyed by the store's sequence (never reused, and a stored message never changes),
// direct-mapped (slot = sequence mod slots): bounded (4,096 summaries of ~250 bytes), nothing
// to evict, a miss or a collision renders. Thread-safe; a miss renders outside the lock.
// Mailpit's list items (GET /mailpit/api/v1/messages) are kept the same way in a cache of
// their own (mailpit_list_text: the whole message's MIME parts read for each, ~6 us).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/message_store.hpp"

namespace bounceback::api {

// serialize(message_summary(m)): the native list's item.
std::string summary_text(const store::StoredMessage& m);
// serialize(mailpit_list_item(m)): Mailpit's list item.
std::string mailpit_list_text(const store::StoredMessage& m);

class SummaryCache {
 public:
  using Render = std::string (*)(const store::StoredMessage&);
  // `slots`: a power of two.
  explicit SummaryCache(std::size_t slots = 4096, Render render = &summary_text);

  // render(m), rendered once while it stays in its slot.
  std::shared_ptr<const std::string> get(const store::StoredMessage& m);

  std::uint64_t rendered() const;  // misses, ever (for tests)

 private:
  struct Slot {
    std::uint64_t sequence = 0;  // 0: empty (a store's sequences start at 1)
    std::shared_ptr<const std::string> json;
  };
  Render render_;
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

// Mailpit's list page as mailpit_page's object serializes (and a newline), from rendered items.
std::string render_mailpit(std::size_t stored, std::size_t matches, std::size_t start,
                           const std::vector<std::shared_ptr<const std::string>>& items);

}  // namespace bounceback::api
