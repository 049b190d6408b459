// The store's id index: linear probing, deletion by shifting the probe run back (no
// tombstones, so a table that sees every message evicted stays short to probe).
#include "store/id_index.hpp"

#include <functional>
#include <utility>

namespace bounceback::store {

std::uint64_t IdIndex::hash(std::string_view id) noexcept {
  return std::hash<std::string_view>{}(id);
}

void IdIndex::add(std::string_view id, std::uint64_t sequence) {
  if ((size_ + 1) * 2 > slots_.size()) grow();
  insert({hash(id), sequence});
  ++size_;
}

void IdIndex::insert(Slot slot) {
  std::size_t i = slot.hash & mask();
  while (slots_[i].sequence != 0) i = (i + 1) & mask();
  slots_[i] = slot;
}

void IdIndex::grow() {
  std::vector<Slot> old(slots_.empty() ? 16 : slots_.size() * 2);
  old.swap(slots_);
  for (const Slot& s : old)
    if (s.sequence != 0) insert(s);
}

void IdIndex::remove(std::string_view id, std::uint64_t sequence) {
  if (slots_.empty()) return;
  const std::uint64_t h = hash(id);
  std::size_t i = h & mask();
  while (slots_[i].sequence != 0 && (slots_[i].hash != h || slots_[i].sequence != sequence))
    i = (i + 1) & mask();
  if (slots_[i].sequence == 0) return;
  --size_;
  // Backward shift: each later entry of the run that may sit at the hole moves into it.
  for (std::size_t j = (i + 1) & mask(); slots_[j].sequence != 0; j = (j + 1) & mask()) {
    const std::size_t home = slots_[j].hash & mask();
    // The entry at j may fill the hole at i when its home is not cyclically in (i, j].
    const bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
    if (stays) continue;
    slots_[i] = slots_[j];
    i = j;
  }
  slots_[i] = Slot{};
}

void IdIndex::clear() {
  slots_.clear();
  size_ = 0;
}

void IdIndex::swap(IdIndex& other) noexcept {
  slots_.swap(other.slots_);
  std::swap(size_, other.size_);
}

}  // namespace bounceback::store
