// A log of SMTP sessions with their transcripts (both directions, timestamped), for the HTTP
// API, bounded in sessions and in bytes: one session's transcript keeps its first and last
// lines within its own budget, and the log drops its oldest sessions when all of them
// together pass the log's budget. Each record is written by its own session and read by the API.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "smtp/event.hpp"
#include "smtp/message.hpp"
#include "store/event_feed.hpp"
#include "store/settings.hpp"

namespace bounceback::store {

using Clock = std::chrono::system_clock;

struct TranscriptLine {
  Clock::time_point at;
  bool inbound;
  std::string text;
};

// The lines a transcript left out between its first and its last ones.
struct Elision {
  std::size_t after = 0;  // lines kept before the gap
  std::size_t lines = 0;
  std::uint64_t bytes = 0;  // the text of the lines left out, as sent
};

struct SessionView {
  smtp::SessionFacts facts;
  Clock::time_point started_at;
  std::optional<Clock::time_point> ended_at;
  std::vector<TranscriptLine> transcript;
  std::optional<Elision> elided;
  std::size_t dropped_lines = 0;  // every line not in `transcript`
  bool evicted = false;           // dropped from the log while a reader held it
};

class SessionLog;

class SessionRecord final : public smtp::TranscriptSink {
 public:
  // `log`, when given, is told how many bytes the record holds and outlives it.
  SessionRecord(smtp::SessionFacts facts, const SessionBudget& budget, SessionLog* log = nullptr,
                EventFeed* feed = nullptr);
  // Splits a wire reply into lines and keeps each one, cut at budget.line_bytes. Past the
  // first half of budget.session_bytes, only the newest lines that fit the other half stay.
  void line(bool inbound, std::string_view text) override;
  void update(const smtp::SessionFacts& facts);
  void facts(const smtp::SessionFacts& facts) override { update(facts); }
  void end();  // publishes "session_closed"
  SessionView view(bool with_transcript = true) const;
  const std::string& id() const { return id_; }
  // The memory the record holds for its transcript (capacities, not sizes).
  std::size_t bytes() const;

 private:
  friend class SessionLog;
  // A line of the head: where its text ends in head_text_, when, which direction.
  struct Mark {
    Clock::time_point at;
    std::uint32_t end;
    bool inbound;
  };
  std::size_t charge() const;  // under mutex_
  void keep(Clock::time_point at, bool inbound, std::string_view text);
  // Called by the log: releases the transcript, keeps nothing more; returns the bytes the
  // log counted for the record.
  std::int64_t evict();

  const std::string id_;
  const SessionBudget budget_;
  SessionLog* log_;
  EventFeed* feed_;
  mutable std::mutex mutex_;
  smtp::SessionFacts facts_;
  Clock::time_point started_at_;
  std::optional<Clock::time_point> ended_at_;
  // The first lines: every line's text in one buffer, a few allocations per session rather
  // than one per line (this is written on every command). view() splits it for the API.
  std::string head_text_;
  std::vector<Mark> marks_;
  bool head_full_ = false;
  // The newest lines once the head is full; older ones leave it for `elided_`.
  struct TailLine {
    TranscriptLine line;
    std::size_t sent;  // the line's length before it was cut
  };
  std::deque<TailLine> tail_;
  std::size_t tail_bytes_ = 0;
  Elision elided_;
  std::size_t dropped_lines_ = 0;  // counted in elided_, or refused after eviction
  std::size_t charged_ = 0;        // what the log counts for this record
  bool listed_ = false;            // counted by the log (false once evicted)
  bool evicted_ = false;
};

class SessionLog {
 public:
  // `feed`, when given, hears "session_opened" and "session_closed".
  explicit SessionLog(SessionBudget budget, EventFeed* feed = nullptr);
  std::shared_ptr<SessionRecord> open(const smtp::SessionFacts& facts);
  std::vector<std::shared_ptr<const SessionRecord>> newest_first() const;
  std::shared_ptr<const SessionRecord> find(std::string_view id) const;

  const SessionBudget& budget() const { return budget_; }
  // The bytes every listed session holds for its transcript.
  std::size_t bytes() const;
  std::size_t size() const;
  // Sessions dropped to stay within the budget (sessions and bytes), and lines left out of
  // transcripts that passed their own budget.
  std::uint64_t evicted() const { return evicted_.load(std::memory_order_relaxed); }
  std::uint64_t elided_lines() const { return elided_lines_.load(std::memory_order_relaxed); }

 private:
  friend class SessionRecord;
  // Called by a record without its own lock held (the log locks first, then a record).
  // A record's charge changed by `delta` bytes; past the budget, the oldest sessions go.
  void charged(std::int64_t delta);
  void elided(std::size_t lines) { elided_lines_.fetch_add(lines, std::memory_order_relaxed); }
  void trim();  // drops the oldest sessions while over the budget

  const SessionBudget budget_;
  EventFeed* feed_;
  mutable std::mutex mutex_;
  std::deque<std::shared_ptr<SessionRecord>> sessions_;  // oldest first
  // Signed: a record's growth and its eviction may land in either order.
  std::atomic<std::int64_t> bytes_{0};
  std::atomic<std::uint64_t> evicted_{0}, elided_lines_{0};
};

}  // namespace bounceback::store
