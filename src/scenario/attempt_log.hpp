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
  pending,    // RCPT accepted and its transaction still open
  accepted,   // the message was accepted for this recipient (2xx after it)
  refused,    // a 4xx/5xx ended it: to this RCPT (or MAIL, HELO, the banner), at DATA, after
              // the message, or a 421 to a later command of its transaction or of a timeout
  dropped,    // the connection ended before a reply ended its transaction: the server closed
              // it, or the client did (it left, or gave up before a late reply: client_gone)
  hung,       // the server stopped answering; the client had to time out
  abandoned,  // the client ended the transaction itself: RSET, QUIT, HELO/EHLO, STARTTLS
};
inline constexpr std::string_view outcome_names[] = {"pending", "accepted", "refused",
                                                     "dropped", "hung",     "abandoned"};
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
  // When `reply` was written out: `at` for a reply sent at once, later for one delayed or
  // dripped; none while such a reply is still due, or without a reply.
  std::optional<std::chrono::system_clock::time_point> sent_at;
  Outcome outcome = Outcome::pending;
  smtp::EventKind stage = smtp::EventKind::rcpt;  // the command at which the outcome was decided
  bool client_gone = false;  // the client had left when `reply` was written: it never read it
  bool stored = false;       // this attempt's message is in the store (the client may not know)
  // Since the previous attempt of the same series in the returned list: the same (from, rcpt),
  // or for a refusal before RCPT the same (client_ip, from); filled by query.
  std::optional<std::chrono::milliseconds> gap;
};

// How a pending record ends (AttemptLog::complete).
struct Completion {
  std::string_view reply;  // unless empty, the record's new reply
  Outcome outcome = Outcome::refused;
  smtp::EventKind stage = smtp::EventKind::rcpt;
  std::chrono::system_clock::time_point at;  // when `reply` was decided: its sent_at, unless
  bool paced = false;                        // it goes out later (sent() stamps it)
  bool stored = false;
};

struct AttemptPage {
  std::vector<AttemptRecord> records;
  std::size_t total = 0;  // every match, whatever the page
};

// --state: hears each change this replica makes to its attempt log (redis/capture_log.hpp
// passes them on to the other replicas, which apply them to theirs). Called on the thread
// that made the change; keep it short.
class AttemptListener {
 public:
  virtual ~AttemptListener() = default;
  virtual void recorded(const AttemptRecord& record, bool paced) = 0;
  virtual void completed(std::string_view session_id, std::string_view rcpt,
                         const Completion& how) = 0;
  virtual void sent(std::string_view session_id, std::chrono::system_clock::time_point at,
                    smtp::Sent how) = 0;
  virtual void cleared() = 0;
};

class AttemptLog {
 public:
  explicit AttemptLog(std::size_t capacity) : capacity_(capacity) {}  // scenario::Settings

  // A RCPT was answered (or a command before it refused); a pending record awaits complete().
  // `paced`: its reply goes out later, and sent() says when.
  void record(AttemptRecord record, bool paced = false);
  // The transaction of `session_id` ended for its accepted recipient `rcpt`: its pending
  // record takes the outcome, the stage and, unless empty, the reply.
  void complete(std::string_view session_id, std::string_view rcpt, const Completion& how);
  // What became of the paced reply of `session_id` (one at a time), at `at`: its records
  // take sent_at when it was written, and `dropped` (client_gone) when no client read it.
  void sent(std::string_view session_id, std::chrono::system_clock::time_point at, smtp::Sent how);

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
  // hash of session_id -> sequence of a record whose paced reply is not written yet.
  Pending unsent_;
  Pending::iterator find_pending(std::uint64_t hash, std::string_view session_id,
                                 std::string_view rcpt);
  void prune(Pending& index);
};

}  // namespace bounceback::scenario
