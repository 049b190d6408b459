// Per-address lists of stored message sequences, oldest first: the store's index for exact
// from=/to= reads. Addresses compare as the API's filters do (ASCII case folded), so
// "Bob@X.test" and "bob@x.test" share one list. Not thread-safe: the store's lock guards it.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace bounceback::store {

class AddressIndex {
 public:
  // Sequences must grow (the store's order of acceptance); a repeated address of one
  // message (the same recipient twice) is kept once. Returns the index's own copy of the
  // address (stable while the address has a sequence), or null for a repeat.
  const std::string* add(std::string_view address, std::uint64_t sequence);
  // Cheap for the oldest (eviction); otherwise a binary search and a shift of that list.
  void remove(std::string_view address, std::uint64_t sequence);
  void clear() { lists_.clear(); }
  void swap(AddressIndex& other) noexcept { lists_.swap(other.lists_); }

  // The sequences of `address`, oldest first (empty when it has none).
  std::span<const std::uint64_t> sequences(std::string_view address) const;
  std::size_t addresses() const { return lists_.size(); }

 private:
  struct FoldedHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept;
  };
  struct FoldedEqual {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const noexcept;
  };
  // A queue as a vector: eviction takes from the front by moving `head`, and the dead front
  // is dropped once it is half the vector, so both ends cost O(1) amortized.
  struct List {
    std::vector<std::uint64_t> sequences;
    std::size_t head = 0;
  };
  std::unordered_map<std::string, List, FoldedHash, FoldedEqual> lists_;
};

}  // namespace bounceback::store
