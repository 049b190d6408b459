// The search's address index, kept on the API's threads: the store's messages' envelope and
// From:/To:/Cc: addresses (store/search_address_index.hpp), indexed lazily. Each read first
// catches up with the store: it forgets what was evicted, erased or cleared since the last
// look, then parses the headers of the messages stored since (once each, on the reader's
// thread, never on an SMTP one). So a whole-address `to:`/`from:` term costs O(log n + page)
// once the store was looked at, and the first look at n stored messages parses n headers.
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

  // As MessageStore::newest for the messages of `address` in `field` (`range` gives the
  // sequence bounds), after catching up. Its `newest` is the last sequence indexed, so a
  // wait's next look (after=newest) misses nothing stored meanwhile.
  store::MessageSlice newest(const store::MessageStore& store, Field field,
                             std::string_view address, const store::MessageRange& range,
                             std::size_t skip, std::size_t count);
  // How many messages `address` has in `field` (a query with two terms reads the shorter).
  std::size_t count(const store::MessageStore& store, Field field, std::string_view address);

  struct Stats {
    std::size_t messages = 0, addresses = 0, entries = 0;
    std::uint64_t parsed = 0;  // messages whose headers were parsed, ever
  };
  Stats stats() const;

 private:
  mutable std::mutex mutex_;
  store::SearchAddressIndex index_;
  std::uint64_t cursor_ = 0;  // MessageStore::removals'
  std::uint64_t seen_ = 0;    // the store's newest sequence at the last catch-up
  std::uint64_t parsed_ = 0;

  void catch_up(const store::MessageStore& store);  // mutex_ held
};

}  // namespace bounceback::api
