// Attempt records with a stable sequence number, so a pending record can be completed after
// other sessions appended theirs.
#include "scenario/attempt_log.hpp"

#include <cctype>
#include <limits>
#include <type_traits>
#include <utility>

#include "smtp/command.hpp"

namespace bounceback::scenario {

using smtp::iequals;  // SMTP keywords and addresses compare ASCII case-insensitively
namespace {

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

// The gaps are per series: the RCPTs of one (from, rcpt), or a client's refusals before RCPT
// with one sender (empty before MAIL), so "retried after a 421 at connect" has its gap.
std::uint64_t series_hash(const AttemptRecord& r) {
  if (!r.rcpt.empty()) return pair_hash(r.from, r.rcpt);
  return pair_hash(r.client_ip, r.from) ^ 0x9e3779b97f4a7c15ull;
}

bool same_series(const AttemptRecord& a, const AttemptRecord& b) {
  return iequals(a.from, b.from) && iequals(a.rcpt, b.rcpt) &&
         (!a.rcpt.empty() || a.client_ip == b.client_ip);
}

}  // namespace

AttemptLog::Pending::iterator AttemptLog::find_pending(std::uint64_t hash,
                                                       std::string_view session_id,
                                                       std::string_view rcpt) {
  auto [it, end] = pending_.equal_range(hash);
  while (it != end) {
    if (it->second.seq < first_seq_) {  // its record was dropped
      unhold(it);
      it = pending_.erase(it);
      continue;
    }
    const auto& r = records_[it->second.seq - first_seq_];
    if (iequals(r.session_id, session_id) && iequals(r.rcpt, rcpt)) return it;
    ++it;
  }
  return pending_.end();
}

// Entries of records already dropped (sessions that never finished) go with them.
template <class Index>
void AttemptLog::prune(Index& index) {
  if (index.size() <= capacity_) return;
  std::erase_if(index, [&](const auto& p) {
    if constexpr (std::is_same_v<Index, Pending>) {
      if (p.second.seq >= first_seq_) return false;
      if (p.second.held && held_) --held_;
      return true;
    } else {
      return p.second < first_seq_;
    }
  });
}

void AttemptLog::unhold(Pending::iterator it) {
  if (it->second.held && held_) --held_;
  it->second.held = false;
}

void AttemptLog::record(AttemptRecord record, bool paced, bool hold) {
  const bool pending = record.outcome == Outcome::pending;
  hold = hold && pending && !paced && sharer_;
  const std::uint64_t hash = pending ? pair_hash(record.session_id, record.rcpt) : 0;
  const std::uint64_t session = paced ? pair_hash(record.session_id, {}) : 0;
  // Unless set already: another replica's attempt shared with its completion (redis/capture_log).
  if (!paced && !record.reply.empty() && !record.sent_at) record.sent_at = record.at;
  std::lock_guard lock(mutex_);
  records_.push_back(std::move(record));
  const std::uint64_t seq = first_seq_ + records_.size() - 1;
  if (pending) {
    const auto& r = records_.back();
    const Open open{seq, hold, sweep_};
    if (const auto it = find_pending(hash, r.session_id, r.rcpt); it != pending_.end()) {
      // The same pair again: the older record, if held, goes as it stands.
      if (it->second.held) sharer_->shared_as_it_stands(records_[it->second.seq - first_seq_]);
      unhold(it);
      it->second = open;
    } else {
      pending_.emplace(hash, open);
    }
    if (hold) {
      ++held_;
      if (!std::exchange(swept_, true)) sharer_->holding();
    }
  }
  if (paced) unsent_.emplace(session, seq);
  while (records_.size() > capacity_) {
    records_.pop_front();
    ++first_seq_;
  }
  prune(pending_);
  prune(unsent_);
}

bool AttemptLog::complete(std::string_view session_id, std::string_view rcpt,
                          const Completion& how) {
  const std::uint64_t hash = pair_hash(session_id, rcpt);
  std::lock_guard lock(mutex_);
  const auto it = find_pending(hash, session_id, rcpt);
  if (it == pending_.end()) return false;
  const std::uint64_t seq = it->second.seq;
  const bool held = it->second.held;
  unhold(it);
  pending_.erase(it);
  auto& r = records_[seq - first_seq_];
  if (!how.reply.empty()) {
    r.reply = how.reply;
    if (how.paced) {
      r.sent_at.reset();
      unsent_.emplace(pair_hash(session_id, {}), seq);
    } else {
      r.sent_at = how.at;
    }
  }
  r.outcome = how.outcome;
  r.stage = how.stage;
  r.stored = how.stored;
  if (held) sharer_->finished(r, !how.reply.empty() && how.paced);
  return held;
}

bool AttemptLog::share_held() {
  std::lock_guard lock(mutex_);
  if (held_) {
    for (auto it = pending_.begin(); it != pending_.end(); ++it) {
      const auto& open = it->second;
      if (!open.held || open.sweep == sweep_) continue;  // held since this period began
      // A record dropped from the log (--max-attempt-log) before either is not shared.
      if (open.seq >= first_seq_) sharer_->shared_as_it_stands(records_[open.seq - first_seq_]);
      unhold(it);
    }
  }
  ++sweep_;
  swept_ = held_ != 0;
  return swept_;
}

void AttemptLog::sent(std::string_view session_id, std::chrono::system_clock::time_point at,
                      smtp::Sent how) {
  std::lock_guard lock(mutex_);
  auto [it, end] = unsent_.equal_range(pair_hash(session_id, {}));
  while (it != end) {
    if (it->second < first_seq_) {  // its record was dropped
      it = unsent_.erase(it);
      continue;
    }
    auto& r = records_[it->second - first_seq_];
    if (!iequals(r.session_id, session_id)) {
      ++it;
      continue;
    }
    if (how != smtp::Sent::not_sent) r.sent_at = at;
    if (how != smtp::Sent::delivered) {
      // The client never read it: as far as it knows, the connection just ended.
      r.client_gone = how == smtp::Sent::client_gone;
      if (r.outcome == Outcome::pending)
        if (const auto p = find_pending(pair_hash(r.session_id, r.rcpt), r.session_id, r.rcpt);
            p != pending_.end()) {
          unhold(p);  // paced: never held
          pending_.erase(p);
        }
      r.outcome = Outcome::dropped;
    }
    it = unsent_.erase(it);
  }
}

std::vector<AttemptRecord> AttemptLog::query(std::string_view from, std::string_view rcpt) const {
  const auto matches = [&](const AttemptRecord& r) {
    return (from.empty() || iequals(r.from, from)) && (rcpt.empty() || iequals(r.rcpt, rcpt));
  };
  return query(matches, 0, std::numeric_limits<std::size_t>::max()).records;
}

AttemptPage AttemptLog::query(const std::function<bool(const AttemptRecord&)>& matches,
                              std::size_t start, std::size_t limit) const {
  AttemptPage page;
  std::lock_guard lock(mutex_);
  std::vector<std::size_t> in_page;  // indices in records_
  for (std::size_t i = 0; i < records_.size(); ++i) {
    if (!matches(records_[i])) continue;
    if (page.total >= start && page.total - start < limit) in_page.push_back(i);
    ++page.total;
  }
  if (in_page.empty()) return page;
  // The gap of a page record is since the latest earlier record of its series: walk up
  // to the page's end remembering, for the page's pairs only, where each was last seen. Pairs
  // are told apart by hash and checked on the records (a collision only loses a gap).
  constexpr std::size_t none = std::numeric_limits<std::size_t>::max();
  std::unordered_map<std::uint64_t, std::size_t> last;
  for (const auto i : in_page) last.emplace(series_hash(records_[i]), none);
  page.records.reserve(in_page.size());
  std::size_t next = 0;
  for (std::size_t i = 0; i <= in_page.back(); ++i) {
    const auto& r = records_[i];
    if (!matches(r)) continue;
    const auto seen = last.find(series_hash(r));
    if (seen == last.end()) continue;
    if (in_page[next] == i) {
      page.records.push_back(r);
      if (seen->second != none) {
        const auto& previous = records_[seen->second];
        if (same_series(previous, r))
          page.records.back().gap =
              std::chrono::duration_cast<std::chrono::milliseconds>(r.at - previous.at);
      }
      ++next;
    }
    seen->second = i;
  }
  return page;
}

void AttemptLog::clear() {
  std::lock_guard lock(mutex_);
  records_.clear();
  pending_.clear();
  unsent_.clear();
  held_ = 0;  // a sweep due stays due (swept_): it finds none and stops
  first_seq_ = 0;
}

}  // namespace bounceback::scenario
