// The log of delivery attempts served by GET /api/v1/attempts: one record per RCPT of a
// (from, rcpt), completed with what became of it once its transaction ends (the reply after
// the message, a refusal at DATA, a drop, a hang, a 421), and one per refusal before RCPT
// (connect, HELO, MAIL). Bounded: the oldest records are dropped first.
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

#include "smtp/event.hpp"

namespace bounceback::scenario {

// What became of an attempt, as the client saw it (docs/api.md, Attempts).
enum class Outcome : std::uint8_t {
  pending,   // RCPT accepted, no message accepted for it: its transaction is still open or
             // ended without one (RSET, QUIT, the client left or timed out)
  accepted,  // the message was accepted for this recipient (2xx after it)
  refused,   // a 4xx/5xx ended it: to this RCPT (or MAIL, HELO, the banner), at DATA, after
             // the message, or a 421 to a later command of its transaction
  dropped,   // the connection was closed without a reply that ended its transaction
  hung,      // the server stopped answering; the client had to time out
};
inline constexpr std::string_view outcome_names[] = {"pending", "accepted", "refused", "dropped",
                                                     "hung"};
inline constexpr std::string_view to_string(Outcome o) {
  return outcome_names[static_cast<std::size_t>(o)];
}

struct AttemptRecord {
  std::chrono::system_clock::time_point at;
  // A refusal before RCPT has an empty rcpt (and an empty from before MAIL).
  std::string from, rcpt, client_ip, session_id;
  // The last reply the client got for this attempt: its wire form in the log;
  // Engine::attempts() returns a one-line summary, "451 4.7.1 Greylisted" (multi-line joined
  // by " / "). Empty when the client got none (a drop or hang at this very command).
  std::string reply;
  Outcome outcome = Outcome::pending;
  smtp::EventKind stage = smtp::EventKind::rcpt;  // the command at which the outcome was decided
  // Since the previous attempt of the same series in the returned list: the same (from, rcpt),
  // or for a refusal before RCPT the same (client_ip, from); filled by query.
  std::optional<std::chrono::milliseconds> gap;
};

struct AttemptPage {
  std::vector<AttemptRecord> records;
  std::size_t total = 0;  // every match, whatever the page
};

class AttemptLog {
 public:
  explicit AttemptLog(std::size_t capacity) : capacity_(capacity) {}  // scenario::Settings

  // A RCPT was answered (or a command before it refused); a pending record awaits complete().
  void record(AttemptRecord record);
  // The transaction of `session_id` ended for its accepted recipient `rcpt`: its pending
  // record takes the outcome, the stage and, unless empty, the reply.
  void complete(std::string_view session_id, std::string_view rcpt, std::string_view reply,
                Outcome outcome, smtp::EventKind stage);

  // Records in time order; empty filters match everything, others compare case-insensitively.
  std::vector<AttemptRecord> query(std::string_view from, std::string_view rcpt) const;
  // Only the records `matches` accepts in [start, start + limit) of them, and how many it
  // accepts in all. The lock every RCPT takes is held for one scan (`matches` should not
  // allocate) and a copy of the page: a page of 100,000 records used to be copied whole
  // under it, stalling RCPTs. Gaps are between the records `matches` accepts.
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
