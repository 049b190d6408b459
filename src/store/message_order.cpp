// The store's order of messages: a ring of slots with tombstones, live slots counted by a
// Fenwick tree over the ring's indices (the slots outside [head_, tail_) always count 0).
#include "store/message_order.hpp"

#include <algorithm>
#include <bit>
#include <utility>

namespace bounceback::store {
namespace {

constexpr std::size_t min_capacity = 16;
// A page steps down this many slots looking for the next live one before it asks the tree.
constexpr int walk = 8;

}  // namespace

void MessageOrder::add(std::size_t ring_index, int delta) {
  for (std::size_t i = ring_index + 1; i < tree_.size(); i += i & (~i + 1))
    tree_[i] = static_cast<std::uint32_t>(static_cast<int>(tree_[i]) + delta);
}

std::size_t MessageOrder::prefix(std::size_t ring_index) const {
  std::size_t sum = 0;
  for (std::size_t i = ring_index; i > 0; i &= i - 1) sum += tree_[i];
  return sum;
}

std::size_t MessageOrder::select(std::size_t k) const {
  // The largest ring index whose prefix holds at most k live slots: the k-th live one.
  std::size_t at = 0, want = k + 1;
  for (std::size_t step = ring_.size(); step > 0; step >>= 1) {
    if (at + step < tree_.size() && tree_[at + step] < want) {
      at += step;
      want -= tree_[at];
    }
  }
  return at;
}

std::size_t MessageOrder::rank(std::size_t position) const {
  if (live_ == tail_ - head_) return position - head_;  // no tombstone: the tree not needed
  if (position == head_) return 0;
  if (position - head_ == ring_.size()) return live_;
  const std::size_t from = head_ & mask(), to = position & mask();
  return from < to ? prefix(to) - prefix(from) : live_ - prefix(from) + prefix(to);
}

std::size_t MessageOrder::position_of(std::size_t k) const {
  if (live_ == tail_ - head_) return head_ + k;
  const std::size_t from = head_ & mask();
  const std::size_t before = prefix(from);  // live slots that wrapped round: the newer ones
  if (k < live_ - before) return head_ + (select(before + k) - from);
  return head_ + (ring_.size() - from) + select(k - (live_ - before));
}

std::size_t MessageOrder::lower_bound(std::uint64_t sequence) const {
  if (head_ == tail_) return tail_;
  // The store's sequences go up by one, so a slot is where they say unless a rebuild dropped
  // tombstones before it: tried first, then a binary search.
  const std::uint64_t first = at(head_).sequence;
  if (sequence <= first) return head_;
  if (sequence - first < tail_ - head_ && at(head_ + (sequence - first)).sequence == sequence)
    return head_ + (sequence - first);
  std::size_t lo = head_, hi = tail_;
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo) / 2;
    if (at(mid).sequence < sequence)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

void MessageOrder::rebuild(std::size_t capacity) {
  std::vector<Slot> ring(capacity);
  std::size_t n = 0;
  for (std::size_t p = head_; p < tail_; ++p) {
    Slot& s = ring_[p & mask()];
    if (s.message) ring[n++] = std::move(s);
  }
  ring_.swap(ring);
  tree_.assign(capacity + 1, 0);
  for (std::size_t i = 1; i <= n; ++i) tree_[i] = 1;
  for (std::size_t i = 1; i <= capacity; ++i) {  // the linear build: each node into its parent
    const std::size_t parent = i + (i & (~i + 1));
    if (parent <= capacity) tree_[parent] += tree_[i];
  }
  head_ = 0;
  tail_ = n;
}

void MessageOrder::push_back(std::uint64_t sequence, MessagePtr message) {
  if (tail_ - head_ == ring_.size())  // full: drop the tombstones, doubling if need be
    rebuild(std::max(min_capacity, std::bit_ceil(2 * live_)));
  const std::size_t i = tail_ & mask();
  ring_[i] = Slot{sequence, std::move(message)};
  add(i, 1);
  ++tail_;
  ++live_;
}

MessagePtr MessageOrder::pop_front() {
  while (head_ < tail_ && !at(head_).message) ++head_;
  if (head_ == tail_) return nullptr;
  const std::size_t i = head_ & mask();
  MessagePtr oldest = std::move(ring_[i].message);
  add(i, -1);
  ++head_;
  --live_;
  return oldest;
}

MessagePtr MessageOrder::erase(std::uint64_t sequence) {
  const std::size_t p = lower_bound(sequence);
  if (p == tail_ || at(p).sequence != sequence || !at(p).message) return nullptr;
  const std::size_t i = p & mask();
  MessagePtr erased = std::move(ring_[i].message);
  add(i, -1);
  --live_;
  // Tombstones at either end are given back at once: erasing the oldest or the newest leaves
  // nothing behind, and a ring that fills again needs no rebuild for them.
  while (head_ < tail_ && !at(head_).message) ++head_;
  while (tail_ > head_ && !at(tail_ - 1).message) --tail_;
  if (ring_.size() > min_capacity && live_ * 8 < ring_.size())  // mostly empty: shrink
    rebuild(std::max(min_capacity, std::bit_ceil(2 * live_)));
  return erased;
}

MessagePtr MessageOrder::find(std::uint64_t sequence) const {
  const std::size_t p = lower_bound(sequence);
  if (p == tail_ || at(p).sequence != sequence) return nullptr;
  return at(p).message;
}

std::size_t MessageOrder::count(std::uint64_t after, std::uint64_t before) const {
  if (after >= before) return 0;
  const std::size_t lo = after == 0 ? head_ : lower_bound(after + 1);
  return rank(lower_bound(before)) - rank(lo);
}

std::size_t MessageOrder::newest(std::uint64_t after, std::uint64_t before, std::size_t skip,
                                 std::size_t limit, std::vector<MessagePtr>& out) const {
  if (after >= before) return 0;
  const std::size_t lo = after == 0 ? head_ : lower_bound(after + 1);
  const std::size_t below = rank(lower_bound(before));
  const std::size_t total = below - rank(lo);
  if (skip >= total || limit == 0) return total;
  const std::size_t n = std::min(limit, total - skip);
  out.reserve(out.size() + n);
  std::size_t k = below - 1 - skip;  // the rank (from the oldest) of the next to give
  std::size_t p = position_of(k);
  out.push_back(at(p).message);
  for (std::size_t given = 1; given < n; ++given) {
    --k;
    int steps = 0;
    do --p;
    while (!at(p).message && ++steps < walk);
    if (!at(p).message) p = position_of(k);  // a long run of tombstones: jump over it
    out.push_back(at(p).message);
  }
  return total;
}

std::size_t MessageOrder::oldest(std::uint64_t after, std::size_t limit,
                                 std::vector<MessagePtr>& out) const {
  if (after == UINT64_MAX) return 0;
  std::size_t k = rank(lower_bound(after + 1));  // the rank of the first to give
  const std::size_t total = live_ - k;
  const std::size_t n = std::min(limit, total);
  if (n == 0) return total;
  out.reserve(out.size() + n);
  std::size_t p = position_of(k);
  out.push_back(at(p).message);
  for (std::size_t given = 1; given < n; ++given) {
    ++k;
    int steps = 0;
    do ++p;
    while (!at(p).message && ++steps < walk);
    if (!at(p).message) p = position_of(k);
    out.push_back(at(p).message);
  }
  return total;
}

std::uint64_t MessageOrder::oldest_sequence() const {
  return live_ == 0 ? 0 : at(position_of(0)).sequence;
}

std::vector<MessagePtr> MessageOrder::newest_first() const {
  std::vector<MessagePtr> all;
  all.reserve(live_);
  for (std::size_t p = tail_; p > head_; --p)
    if (const auto& m = at(p - 1).message) all.push_back(m);
  return all;
}

void MessageOrder::swap(MessageOrder& other) noexcept {
  ring_.swap(other.ring_);
  tree_.swap(other.tree_);
  std::swap(head_, other.head_);
  std::swap(tail_, other.tail_);
  std::swap(live_, other.live_);
}

}  // namespace bounceback::store
