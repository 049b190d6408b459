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
  // An attempt the log held for its completion (AttemptLog::record's `hold`): completed, or
  // still open after a sweep period (`record.outcome` pending). Called with the log's lock
  // held: copy what you need and return; never call the log back.
  virtual void finished(const AttemptRecord& record, bool paced) = 0;
  virtual void shared_as_it_stands(const AttemptRecord& record) = 0;
  // The log held none and now holds one: share_held() should run within a period.
  virtual void holding() = 0;
};

class AttemptLog {
 public:
  explicit AttemptLog(std::size_t capacity) : capacity_(capacity) {}  // scenario::Settings

  // --state: the listener held records go to (before any record with `hold`).
  void share_with(AttemptListener* listener) { sharer_ = listener; }

  // A RCPT was answered (or a command before it refused); a pending record awaits complete().
  // `paced`: its reply goes out later, and sent() says when.
  // `hold` (a pending, unpaced record, with share_with): the record is held for its
  // completion, so that the listener hears both as one change, finished(), from complete();
  // or, still open when share_held() runs a second time, shared_as_it_stands(). The listener
  // hears holding() when the log held none (and is not swept) before this one.
  void record(AttemptRecord record, bool paced = false, bool hold = false);
  // The transaction of `session_id` ended for its accepted recipient `rcpt`: its pending
  // record takes the outcome, the stage and, unless empty, the reply. True when the record was
  // held: the listener heard finished() (otherwise the caller tells it of the completion).
  bool complete(std::string_view session_id, std::string_view rcpt, const Completion& how);
  // The records held since before the previous call go to shared_as_it_stands() and are held
  // no more. False when none is held any more: the sweeps stop until the next holding().
  bool share_held();
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
  // A record awaiting its final reply: its sequence, and whether it is held for sharer_
  // (since which sweep).
  struct Open {
    std::uint64_t seq = 0;
    bool held = false;
    std::uint32_t sweep = 0;
  };
  // hash of (session_id, rcpt) -> its record awaiting the final reply.
  using Pending = std::unordered_multimap<std::uint64_t, Open>;
  Pending pending_;
  // hash of session_id -> sequence of a record whose paced reply is not written yet.
  using Unsent = std::unordered_multimap<std::uint64_t, std::uint64_t>;
  Unsent unsent_;
  AttemptListener* sharer_ = nullptr;
  std::size_t held_ = 0;     // pending_'s entries held (at least: a dropped record's may stay)
  std::uint32_t sweep_ = 0;  // share_held()'s calls
  bool swept_ = false;       // share_held() is due: holding() was heard, none found since
  Pending::iterator find_pending(std::uint64_t hash, std::string_view session_id,
                                 std::string_view rcpt);
  void unhold(Pending::iterator it);
  template <class Index>
  void prune(Index& index);
};

}  // namespace bounceback::scenario
