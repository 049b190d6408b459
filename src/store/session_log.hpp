// A bounded log of SMTP sessions with their transcripts (both directions, timestamped),
// for the HTTP API. Each record is written by its own session and read by the API.
#pragma once

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

namespace bounceback::store {

using Clock = std::chrono::system_clock;

struct TranscriptLine {
  Clock::time_point at;
  bool inbound;
  std::string text;
};

struct SessionView {
  smtp::SessionFacts facts;
  Clock::time_point started_at;
  std::optional<Clock::time_point> ended_at;
  std::vector<TranscriptLine> transcript;
  std::size_t dropped_lines = 0;  // beyond the per-session bound
};

class SessionRecord final : public smtp::TranscriptSink {
 public:
  SessionRecord(smtp::SessionFacts facts, std::size_t max_lines, EventFeed* feed = nullptr);
  // Splits a wire reply into lines; keeps at most max_lines, each cut at 1000 bytes.
  void line(bool inbound, std::string_view text) override;
  void update(const smtp::SessionFacts& facts);
  void end();  // publishes "session_closed"
  SessionView view() const;
  const std::string& id() const { return id_; }

 private:
  // A line of the transcript: where its text ends in text_, when, which direction.
  struct Mark {
    Clock::time_point at;
    std::uint32_t end;
    bool inbound;
  };

  const std::string id_;
  const std::size_t max_lines_;
  EventFeed* feed_;
  mutable std::mutex mutex_;
  smtp::SessionFacts facts_;
  Clock::time_point started_at_;
  std::optional<Clock::time_point> ended_at_;
  // Every line's text in one buffer: a few allocations per session rather than one per line
  // (this is written on every command). view() splits it for the API.
  std::string text_;
  std::vector<Mark> marks_;
  std::size_t dropped_lines_ = 0;
};

class SessionLog {
 public:
  // `feed`, when given, hears "session_opened" and "session_closed".
  SessionLog(std::size_t max_sessions, std::size_t max_lines_per_session,
             EventFeed* feed = nullptr);
  std::shared_ptr<SessionRecord> open(const smtp::SessionFacts& facts);
  std::vector<std::shared_ptr<const SessionRecord>> newest_first() const;
  std::shared_ptr<const SessionRecord> find(std::string_view id) const;
  void clear();

 private:
  const std::size_t max_sessions_, max_lines_;
  EventFeed* feed_;
  mutable std::mutex mutex_;
  std::deque<std::shared_ptr<SessionRecord>> sessions_;  // oldest first
};

}  // namespace bounceback::store
