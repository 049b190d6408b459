// The log of delivery attempts served by GET /api/v1/attempts: one record per RCPT of a
// (from, rcpt), completed with the final reply once the message is answered. Bounded:
// the oldest records are dropped first.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace bounceback::scenario {

struct AttemptRecord {
  std::chrono::system_clock::time_point at;
  std::string from, rcpt, client_ip, session_id;
  // The reply: its wire form in the log; Engine::attempts() returns a one-line summary,
  // "451 4.7.1 Greylisted" (multi-line joined by " / ").
  std::string reply;
  // Since the previous attempt of the same (from, rcpt) in the returned list; filled by query.
  std::optional<std::chrono::milliseconds> gap;
};

struct AttemptPage {
  std::vector<AttemptRecord> records;
  std::size_t total = 0;  // every match, whatever the page
};

class AttemptLog {
 public:
  explicit AttemptLog(std::size_t capacity) : capacity_(capacity) {}  // scenario::Settings

  // A RCPT was answered with `reply`.
  void record_rcpt(AttemptRecord record);
  // The transaction of `session_id` got its final reply (after DATA or the message): the
  // accepted recipients' records take it.
  void complete(std::string_view session_id, std::string_view rcpt, std::string_view reply);

  // Records in time order; empty filters match everything, others compare case-insensitively.
  std::vector<AttemptRecord> query(std::string_view from, std::string_view rcpt) const;
  // Only the records `matches` accepts in [start, start + limit) of them, and how many it
  // accepts in all. The lock every RCPT takes is held for one scan (`matches` should not
  // allocate) and a copy of the page: a page of 100,000 records used to be copied whole
  // under it, stalling RCPTs. `matches` must accept all records of a (from, rcpt) or none
  // (the gaps are per pair).
  AttemptPage query(const std::function<bool(const AttemptRecord&)>& matches, std::size_t start,
                    std::size_t limit) const;
  void clear();

 private:
  mutable std::mutex mutex_;
  std::size_t capacity_;
  std::deque<AttemptRecord> records_;
  std::uint64_t first_seq_ = 0;  // sequence number of records_.front()
  // hash of (session_id, rcpt) -> sequence of its record awaiting the final reply.
  using Pending = std::unordered_multimap<std::uint64_t, std::uint64_t>;
  Pending pending_;
  Pending::iterator find_pending(std::uint64_t hash, std::string_view session_id,
                                 std::string_view rcpt);
};

}  // namespace bounceback::scenario
