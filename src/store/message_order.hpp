// The store's messages in order of acceptance, with an erase that does not grow with the
// store. A ring of slots (sequence, message), oldest to newest; an erased message leaves its
// slot empty (a tombstone) and a Fenwick tree (binary indexed tree) over the ring counts the
// live slots, so that erase, "how many between two sequences" and "the k-th newest" cost
// O(log n) and nothing is shifted. Eviction takes from the oldest end in O(log n). The ring
// is rebuilt (tombstones dropped, O(n)) only when it is full, or mostly tombstones after an
// erase: each rebuild is paid for by the pushes or the erases since the last one.
// Not thread-safe: the store's lock guards it.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

namespace bounceback::store {

struct StoredMessage;
using MessagePtr = std::shared_ptr<const StoredMessage>;

class MessageOrder {
 public:
  // Appends the newest message; `sequence` must exceed every sequence held or ever popped.
  void push_back(std::uint64_t sequence, MessagePtr message);
  // Removes the oldest message and returns it (null when empty).
  MessagePtr pop_front();
  // Removes the message of `sequence` and returns it (null when none has it).
  MessagePtr erase(std::uint64_t sequence);
  // The message of `sequence`, or null: O(log n).
  MessagePtr find(std::uint64_t sequence) const;

  // How many messages have a sequence above `after` and below `before`: O(log n).
  std::size_t count(std::uint64_t after, std::uint64_t before) const;
  // Of those, up to `limit` newest first after skipping the `skip` newest, appended to `out`:
  // O(log n) to find the first, then O(1) a message (O(log n) across a run of tombstones).
  // Returns count(after, before).
  std::size_t newest(std::uint64_t after, std::uint64_t before, std::size_t skip, std::size_t limit,
                     std::vector<MessagePtr>& out) const;
  // Up to `limit` of the messages with a sequence above `after`, oldest first, appended to
  // `out` (a reader catching up): as newest(). Returns how many there are.
  std::size_t oldest(std::uint64_t after, std::size_t limit, std::vector<MessagePtr>& out) const;
  std::uint64_t oldest_sequence() const;         // of the oldest message held; 0 when empty
  std::vector<MessagePtr> newest_first() const;  // every message: O(n)

  std::size_t size() const { return live_; }
  std::size_t capacity() const { return ring_.size(); }  // slots, tombstones included
  void swap(MessageOrder& other) noexcept;

 private:
  struct Slot {
    std::uint64_t sequence = 0;
    MessagePtr message;  // null: erased (a tombstone) or outside [head_, tail_)
  };
  // Positions are absolute: [head_, tail_) are held, position p lives in ring_[p & mask].
  std::vector<Slot> ring_;           // a power of two long (or empty)
  std::vector<std::uint32_t> tree_;  // Fenwick tree of live slots by ring index, 1-based
  std::size_t head_ = 0, tail_ = 0;
  std::size_t live_ = 0;

  std::size_t mask() const { return ring_.size() - 1; }
  const Slot& at(std::size_t position) const { return ring_[position & mask()]; }
  void add(std::size_t ring_index, int delta);
  std::size_t prefix(std::size_t ring_index) const;       // live slots in ring indices [0, i)
  std::size_t select(std::size_t k) const;                // ring index of the k-th live (0-based)
  std::size_t rank(std::size_t position) const;           // live slots in [head_, position)
  std::size_t position_of(std::size_t k) const;           // position of the k-th live from head_
  std::size_t lower_bound(std::uint64_t sequence) const;  // first position not below it
  void rebuild(std::size_t capacity);  // into a ring of `capacity`, tombstones dropped
};

}  // namespace bounceback::store
