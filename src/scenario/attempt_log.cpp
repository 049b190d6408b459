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

}  // namespace

void AttemptLog::record_rcpt(AttemptRecord record) {
  const bool accepted = !record.reply.empty() && record.reply[0] == '2';
  std::string key = accepted ? pair_key(record.session_id, record.rcpt) : std::string{};
  std::lock_guard lock(mutex_);
  records_.push_back(std::move(record));
  if (accepted) pending_[std::move(key)] = first_seq_ + records_.size() - 1;
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
  const std::string key = pair_key(session_id, rcpt);
  std::lock_guard lock(mutex_);
  const auto it = pending_.find(key);
  if (it == pending_.end()) return;
  if (it->second >= first_seq_) records_[it->second - first_seq_].reply = reply;
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
