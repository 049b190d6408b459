// The store's address index: one list per case-folded address.
#include "store/address_index.hpp"

#include <algorithm>

namespace bounceback::store {
namespace {

// ASCII folding only, as the API's filters compare (message_filter.cpp).
unsigned char fold(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u >= 'A' && u <= 'Z' ? static_cast<unsigned char>(u + ('a' - 'A')) : u;
}

}  // namespace

std::size_t AddressIndex::FoldedHash::operator()(std::string_view s) const noexcept {
  std::uint64_t h = 14695981039346656037ull;  // FNV-1a: short keys, no folded copy
  for (const char c : s) h = (h ^ fold(c)) * 1099511628211ull;
  return static_cast<std::size_t>(h);
}

bool AddressIndex::FoldedEqual::operator()(std::string_view a, std::string_view b) const noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (fold(a[i]) != fold(b[i])) return false;
  return true;
}

const std::string* AddressIndex::add(std::string_view address, std::uint64_t sequence) {
  auto it = lists_.find(address);
  if (it == lists_.end()) it = lists_.emplace(std::string(address), List{}).first;
  auto& seqs = it->second.sequences;
  if (seqs.size() > it->second.head && seqs.back() == sequence) return nullptr;  // same message
  seqs.push_back(sequence);
  return &it->first;
}

void AddressIndex::remove(std::string_view address, std::uint64_t sequence) {
  const auto it = lists_.find(address);
  if (it == lists_.end()) return;
  List& list = it->second;
  auto& seqs = list.sequences;
  const auto live = seqs.begin() + static_cast<std::ptrdiff_t>(list.head);
  if (live != seqs.end() && *live == sequence) {
    ++list.head;  // the oldest: eviction's case
  } else {
    const auto at = std::lower_bound(live, seqs.end(), sequence);
    if (at == seqs.end() || *at != sequence) return;
    seqs.erase(at);
  }
  if (list.head == seqs.size()) {
    lists_.erase(it);  // no message left: forget the address
  } else if (list.head * 2 >= seqs.size() && list.head >= 16) {
    seqs.erase(seqs.begin(), seqs.begin() + static_cast<std::ptrdiff_t>(list.head));
    list.head = 0;
  }
}

std::span<const std::uint64_t> AddressIndex::sequences(std::string_view address) const {
  const auto it = lists_.find(address);
  if (it == lists_.end()) return {};
  const auto& list = it->second;
  return std::span<const std::uint64_t>(list.sequences).subspan(list.head);
}

}  // namespace bounceback::store
