// The search's address index, kept on the API's threads: the store's messages' envelope and
// From:/To:/Cc: addresses (store/search_address_index.hpp), indexed lazily. Each read first
// catches up with the store: it forgets what was evicted, erased or cleared since the last
// look, then parses the headers of the messages stored since (once each, on the reader's
// thread, never on an SMTP one), at most `step` messages per catch-up: a first look at a large
// store is a series of bounded steps (the API answers other requests between them, or a
// search scans meanwhile), not one long stall. So a whole-address `to:`/`from:` term costs
// O(log n + page) once the index has caught up.
#pragma once

#include <cstdint>
#include <mutex>
#include <string_view>

#include "store/message_store.hpp"
#include "store/search_address_index.hpp"

namespace bounceback::api {

class AddressSearch {
 public:
  using Field = store::SearchAddressIndex::Field;

  // Messages parsed per catch-up at most (~2-3 us each: ~5 ms on this project's machine).
  static constexpr std::size_t default_step = 2048;
  explicit AddressSearch(std::size_t step = default_step) : step_(step ? step : 1) {}

  // One step of catching up with the store: forgets what was removed, then indexes up to
  // `step` messages stored since. True when every stored message is indexed: then count()
  // and newest() answer for the whole store as of this call.
  bool catch_up(const store::MessageStore& store);
  // As MessageStore::newest for the messages of `address` in `field` (`range` gives the
  // sequence bounds), as of the last complete catch-up (no catch-up of its own). Its `newest`
  // is that catch-up's mark, so a wait's next look (after=newest) misses nothing stored since.
  store::MessageSlice newest(const store::MessageStore& store, Field field,
                             std::string_view address, const store::MessageRange& range,
                             std::size_t skip, std::size_t count);
  // How many messages `address` has in `field` (a query with two terms reads the shorter),
  // as of the last catch-up.
  std::size_t count(Field field, std::string_view address) const;

  struct Stats {
    std::size_t messages = 0, addresses = 0, entries = 0;
    std::uint64_t parsed = 0;  // messages whose headers were parsed, ever
    std::uint64_t steps = 0;   // catch-ups that parsed a message, ever
  };
  Stats stats() const;

 private:
  const std::size_t step_;
  mutable std::mutex mutex_;
  store::SearchAddressIndex index_;
  std::uint64_t cursor_ = 0;  // MessageStore::removals'
  std::uint64_t seen_ = 0;    // the store's newest sequence at the last catch-up
  std::uint64_t parsed_ = 0;
  std::uint64_t steps_ = 0;
};

}  // namespace bounceback::api
