// The addresses a search's whole-address term (`to:bob@x.test`, `from:...`) finds, per stored
// message: the envelope's (the sender; the recipients) and its headers' (From:; To: and Cc:),
// one list of sequences per address and field, oldest first, each message once in a list
// (an address in both its envelope and a header, or twice in a header, counts once).
// Addresses compare ASCII case folded, as AddressIndex's. Pure: a reader that mirrors the store
// (api/address_search.hpp, on the API's thread) tells it each message's addresses and which
// messages are gone. Not thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <string_view>

#include "store/address_index.hpp"

namespace bounceback::store {

class SearchAddressIndex {
 public:
  enum class Field { from, to };

  // Message `sequence`, above every one added before, with its addresses of each field.
  void add(std::uint64_t sequence, std::span<const std::string_view> from,
           std::span<const std::string_view> to);
  // Forgets every message below `oldest` (evicted, erased at the front, cleared): O(1) each.
  void drop_below(std::uint64_t oldest);
  // Forgets one message (erased): O(log n) to find it, then its lists' shifts.
  void erase(std::uint64_t sequence);
  void clear();

  // The sequences of `address` in `field`, oldest first.
  std::span<const std::uint64_t> sequences(Field field, std::string_view address) const;
  // The messages held, oldest first (a reader checking them against the store).
  template <class F>
  void for_each_message(F&& f) const {
    for (const auto& r : records_)
      if (!r.dead) f(r.sequence);
  }
  std::uint64_t last() const { return last_; }  // the newest sequence added (0: none)
  std::size_t messages() const { return live_; }
  std::size_t addresses() const { return from_.addresses() + to_.addresses(); }
  std::size_t entries() const { return keys_.size(); }  // list entries, dead records' too

 private:
  // One per message added, oldest first; its keys (the lists it is in, from's first) are
  // keys_[offset - keys_base_ ...]. An erased message is marked dead and dropped from the
  // front later, or by a compaction once the dead outnumber the living.
  struct Record {
    std::uint64_t sequence = 0;
    std::uint64_t offset = 0;
    std::uint32_t from = 0, to = 0;
    bool dead = false;
  };
  AddressIndex from_, to_;
  std::deque<Record> records_;
  std::deque<const std::string*> keys_;  // AddressIndex's own copies: stable while listed
  std::uint64_t keys_base_ = 0;          // keys dropped from the front, ever
  std::uint64_t last_ = 0;
  std::size_t live_ = 0, dead_ = 0;

  void unlist(const Record& record);
  void compact();
};

}  // namespace bounceback::store
