// Catching the search's address index up with the store, and reading it.
#include "api/address_search.hpp"

#include <algorithm>

#include "api/message_search.hpp"

namespace bounceback::api {
namespace {

// Messages read from the store per lock while catching up.
constexpr std::size_t chunk = 1024;

}  // namespace

bool AddressSearch::catch_up(const store::MessageStore& store) {
  std::lock_guard lock(mutex_);
  // Removals first: a message erased after this look is in the next one's.
  auto removed = store.removals(cursor_);
  cursor_ = removed.cursor;
  index_.drop_below(removed.oldest);
  if (!removed.complete && index_.messages() > 0) {
    // More erased than the store remembers: check every message held against the store.
    std::vector<std::uint64_t> held, gone;
    index_.for_each_message([&](std::uint64_t s) { held.push_back(s); });
    std::uint64_t after = held.front() - 1;
    auto it = held.begin();
    while (it != held.end()) {
      const auto slice = store.oldest_after(after, chunk);
      for (const auto& m : slice.messages) {
        for (; it != held.end() && *it < m->sequence; ++it) gone.push_back(*it);
        if (it != held.end() && *it == m->sequence) ++it;
        after = m->sequence;
      }
      if (slice.messages.size() < chunk) break;
    }
    gone.insert(gone.end(), it, held.end());  // below no stored message: gone
    for (const auto s : gone) index_.erase(s);
  } else {
    for (const auto s : removed.erased) index_.erase(s);
  }
  // Then what was stored since the last look, oldest first, `step_` messages at most.
  MessageAddresses addresses;
  std::size_t left = step_;
  bool parsed = false;
  for (;;) {
    const std::size_t n = std::min(chunk, left);
    const auto slice = store.oldest_after(std::max(index_.last(), seen_), n);
    for (const auto& m : slice.messages) {
      message_addresses(*m, addresses);
      index_.add(m->sequence, addresses.from, addresses.to);
      ++parsed_;
      parsed = true;
    }
    left -= slice.messages.size();
    if (slice.messages.size() < n || (slice.messages.size() == n && !slice.messages.empty() &&
                                      slice.messages.back()->sequence == slice.newest)) {
      // Every message up to the store's newest is indexed now, or was removed.
      seen_ = slice.newest;
      steps_ += parsed;
      return true;
    }
    if (left == 0) {
      steps_ += parsed;
      return false;  // the next step goes on from index_.last()
    }
  }
}

store::MessageSlice AddressSearch::newest(const store::MessageStore& store, Field field,
                                          std::string_view address,
                                          const store::MessageRange& range, std::size_t skip,
                                          std::size_t count) {
  std::lock_guard lock(mutex_);
  store::MessageRange listed = range;
  // Not beyond the mark: what a step indexed since the last complete catch-up is not listed
  // until the index has caught up.
  listed.before = std::min(range.before, seen_ + 1);
  listed.by = store::MessageRange::By::listed;
  listed.sequences = index_.sequences(field, address);
  auto slice = store.newest(listed, skip, count);  // the list is read under mutex_
  slice.newest = seen_;
  return slice;
}

std::size_t AddressSearch::count(Field field, std::string_view address) const {
  std::lock_guard lock(mutex_);
  return index_.sequences(field, address).size();
}

AddressSearch::Stats AddressSearch::stats() const {
  std::lock_guard lock(mutex_);
  return {index_.messages(), index_.addresses(), index_.entries(), parsed_, steps_};
}

}  // namespace bounceback::api
