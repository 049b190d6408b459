// Attempt records with a stable sequence number, so a pending record can be completed after
// other sessions appended theirs.
#include "scenario/attempt_log.hpp"

#include <cctype>
#include <map>

#include "smtp/command.hpp"

namespace bounceback::scenario {

using smtp::iequals;  // SMTP keywords and addresses compare ASCII case-insensitively
namespace {

// "a\0b" with both parts lower-cased: addresses compare case-insensitively here.
std::string pair_key(std::string_view a, std::string_view b) {
  std::string k;
  k.reserve(a.size() + b.size() + 1);
  for (char c : a) k += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  k += '\0';
  for (char c : b) k += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return k;
}

// FNV-1a of "a\0b" with both parts lower-cased: addresses compare case-insensitively here.
// A hash, not a key string: no allocation per RCPT; entries are verified against records.
std::uint64_t pair_hash(std::string_view a, std::string_view b) {
  std::uint64_t h = 14695981039346656037ull;
  const auto add = [&h](char c) {
    h ^= static_cast<unsigned char>(std::tolower(static_cast<unsigned char>(c)));
    h *= 1099511628211ull;
  };
  for (char c : a) add(c);
  add('\0');
  for (char c : b) add(c);
  return h;
}

}  // namespace

AttemptLog::Pending::iterator AttemptLog::find_pending(std::uint64_t hash,
                                                       std::string_view session_id,
                                                       std::string_view rcpt) {
  auto [it, end] = pending_.equal_range(hash);
  while (it != end) {
    if (it->second < first_seq_) {  // its record was dropped
      it = pending_.erase(it);
      continue;
    }
    const auto& r = records_[it->second - first_seq_];
    if (iequals(r.session_id, session_id) && iequals(r.rcpt, rcpt)) return it;
    ++it;
  }
  return pending_.end();
}

void AttemptLog::record_rcpt(AttemptRecord record) {
  const bool accepted = !record.reply.empty() && record.reply[0] == '2';
  const std::uint64_t hash = accepted ? pair_hash(record.session_id, record.rcpt) : 0;
  std::lock_guard lock(mutex_);
  records_.push_back(std::move(record));
  if (accepted) {
    const std::uint64_t seq = first_seq_ + records_.size() - 1;
    const auto& r = records_.back();
    if (const auto it = find_pending(hash, r.session_id, r.rcpt); it != pending_.end())
      it->second = seq;
    else
      pending_.emplace(hash, seq);
  }
  while (records_.size() > capacity_) {
    records_.pop_front();
    ++first_seq_;
  }
  // Pending entries of sessions that never finished are dropped with their records.
  if (pending_.size() > capacity_)
    std::erase_if(pending_, [&](const auto& p) { return p.second < first_seq_; });
}

void AttemptLog::complete(std::string_view session_id, std::string_view rcpt,
                          std::string_view reply) {
  const std::uint64_t hash = pair_hash(session_id, rcpt);
  std::lock_guard lock(mutex_);
  const auto it = find_pending(hash, session_id, rcpt);
  if (it == pending_.end()) return;
  records_[it->second - first_seq_].reply = reply;
  pending_.erase(it);
}

std::vector<AttemptRecord> AttemptLog::query(std::string_view from, std::string_view rcpt) const {
  std::vector<AttemptRecord> out;
  {
    std::lock_guard lock(mutex_);
    for (const auto& r : records_)
      if ((from.empty() || iequals(r.from, from)) && (rcpt.empty() || iequals(r.rcpt, rcpt)))
        out.push_back(r);
  }
  std::map<std::string, std::chrono::system_clock::time_point> last;
  for (auto& r : out) {
    const auto key = pair_key(r.from, r.rcpt);
    if (auto it = last.find(key); it != last.end())
      r.gap = std::chrono::duration_cast<std::chrono::milliseconds>(r.at - it->second);
    last[key] = r.at;
  }
  return out;
}

void AttemptLog::clear() {
  std::lock_guard lock(mutex_);
  records_.clear();
  pending_.clear();
  first_seq_ = 0;
}

}  // namespace bounceback::scenario
