// Message ids to store sequences, so that find and erase by id cost O(1) plus the store's
// binary search instead of a walk of every message. An open-addressing table of (hash,
// sequence) pairs in one vector: no allocation per message (it doubles now and then, as the
// store's deque does). It keeps hashes, not ids: the store checks the id of each candidate.
// Not thread-safe: the store's lock guards it.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace bounceback::store {

class IdIndex {
 public:
  void add(std::string_view id, std::uint64_t sequence);
  void remove(std::string_view id, std::uint64_t sequence);  // that pair; absent: nothing
  void clear();
  void swap(IdIndex& other) noexcept;

  // Calls `candidate(sequence)` for each sequence whose id hashes as `id` does (almost always
  // the one stored under `id` and no other).
  template <class F>
  void candidates(std::string_view id, F&& candidate) const {
    if (slots_.empty()) return;
    const std::uint64_t h = hash(id);
    for (std::size_t i = h & mask(); slots_[i].sequence != 0; i = (i + 1) & mask())
      if (slots_[i].hash == h) candidate(slots_[i].sequence);
  }

  std::size_t size() const { return size_; }

 private:
  struct Slot {
    std::uint64_t hash = 0;
    std::uint64_t sequence = 0;  // 0: empty (store sequences start at 1)
  };
  static std::uint64_t hash(std::string_view id) noexcept;
  std::size_t mask() const { return slots_.size() - 1; }
  void insert(Slot slot);
  void grow();

  std::vector<Slot> slots_;  // a power of two long, at most half full
  std::size_t size_ = 0;
};

}  // namespace bounceback::store
