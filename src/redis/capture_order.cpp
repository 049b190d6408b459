// CaptureOrder (see capture_order.hpp).
#include "redis/capture_order.hpp"

#include <algorithm>
#include <charconv>

namespace bounceback::redis {

std::optional<EntryId> parse_entry_id(std::string_view text) {
  EntryId id;
  const auto dash = text.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  const char* end = text.data() + dash;
  auto [p, ec] = std::from_chars(text.data(), end, id.ms);
  if (ec != std::errc() || p != end || dash == 0) return std::nullopt;
  end = text.data() + text.size();
  auto [q, ec2] = std::from_chars(text.data() + dash + 1, end, id.seq);
  if (ec2 != std::errc() || q != end || dash + 1 == text.size()) return std::nullopt;
  return id;
}

bool CaptureOrder::admit(std::string_view id, std::size_t stream, EntryId at) {
  if (at.ms < cleared_ms_) return false;
  if (!tombstones_.empty()) {
    const auto t = tombstones_.find(std::string(id));
    if (t != tombstones_.end()) {
      tombstones_.erase(t);  // its place in tombstone_order_ goes with the bound
      return false;
    }
  }
  hold(id, stream, at);
  return true;
}

void CaptureOrder::hold(std::string_view id, std::size_t stream, EntryId at) {
  if (held_.size() >= bound_) held_.pop_front();
  held_.push_back({std::string(id), stream, at});
}

void CaptureOrder::erased(std::string_view id, bool found) {
  if (found) return;
  if (tombstone_order_.size() >= bound_) {
    tombstones_.erase(tombstone_order_.front());
    tombstone_order_.pop_front();
  }
  if (tombstones_.emplace(id).second) tombstone_order_.emplace_back(id);
}

std::vector<std::string> CaptureOrder::clear(std::size_t stream, EntryId at) {
  std::vector<std::string> gone;
  const auto older = [&](const Held& h) {
    return h.at.ms < at.ms || (h.stream == stream && h.at.ms == at.ms && h.at.seq < at.seq);
  };
  for (auto& h : held_)
    if (older(h)) gone.push_back(std::move(h.id));
  held_.erase(std::remove_if(held_.begin(), held_.end(), older), held_.end());
  cleared_ms_ = std::max(cleared_ms_, at.ms);
  return gone;
}

void CaptureOrder::attempts_cleared(EntryId at) {
  attempts_cleared_ms_ = std::max(attempts_cleared_ms_, at.ms);
}

}  // namespace bounceback::redis
