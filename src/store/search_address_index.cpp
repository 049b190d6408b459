// The search's address index: AddressIndex lists per field, and a record per message of the
// lists it is in, so eviction and erase find them without the message.
#include "store/search_address_index.hpp"

#include <algorithm>

namespace bounceback::store {

void SearchAddressIndex::add(std::uint64_t sequence, std::span<const std::string_view> from,
                             std::span<const std::string_view> to) {
  Record r;
  r.sequence = sequence;
  r.offset = keys_base_ + keys_.size();
  for (const auto address : from)
    if (const auto* key = from_.add(address, sequence)) {
      keys_.push_back(key);
      ++r.from;
    }
  for (const auto address : to)
    if (const auto* key = to_.add(address, sequence)) {
      keys_.push_back(key);
      ++r.to;
    }
  records_.push_back(r);
  last_ = sequence;
  ++live_;
}

void SearchAddressIndex::unlist(const Record& r) {
  const auto at = static_cast<std::size_t>(r.offset - keys_base_);
  // Removing an address's last sequence frees its key, which AddressIndex::remove does last;
  // a record's keys are distinct lists, so none is read after it is freed.
  for (std::uint32_t i = 0; i < r.from + r.to; ++i)
    (i < r.from ? from_ : to_).remove(*keys_[at + i], r.sequence);
}

void SearchAddressIndex::drop_below(std::uint64_t oldest) {
  while (!records_.empty() && records_.front().sequence < oldest) {
    const Record& r = records_.front();
    if (r.dead) {
      --dead_;
    } else {
      unlist(r);
      --live_;
    }
    const std::uint32_t n = r.from + r.to;
    keys_.erase(keys_.begin(), keys_.begin() + n);
    keys_base_ += n;
    records_.pop_front();
  }
}

void SearchAddressIndex::erase(std::uint64_t sequence) {
  const auto it = std::lower_bound(records_.begin(), records_.end(), sequence,
                                   [](const Record& r, std::uint64_t s) { return r.sequence < s; });
  if (it == records_.end() || it->sequence != sequence || it->dead) return;
  unlist(*it);
  it->dead = true;
  --live_;
  ++dead_;
  if (dead_ > 1024 && dead_ > live_) compact();
}

void SearchAddressIndex::compact() {
  std::deque<Record> records;
  std::deque<const std::string*> keys;
  for (const auto& r : records_) {
    if (r.dead) continue;
    const auto at = static_cast<std::ptrdiff_t>(r.offset - keys_base_);
    Record copy = r;
    copy.offset = keys.size();
    keys.insert(keys.end(), keys_.begin() + at, keys_.begin() + at + r.from + r.to);
    records.push_back(copy);
  }
  records_.swap(records);
  keys_.swap(keys);
  keys_base_ = 0;
  dead_ = 0;
}

void SearchAddressIndex::clear() {
  from_.clear();
  to_.clear();
  records_.clear();
  keys_.clear();
  keys_base_ = 0;
  live_ = dead_ = 0;
  // last_ stays: sequences keep growing, and a reader goes on after it.
}

std::span<const std::uint64_t> SearchAddressIndex::sequences(Field field,
                                                             std::string_view address) const {
  return (field == Field::from ? from_ : to_).sequences(address);
}

}  // namespace bounceback::store
