// Session records and their bounded log.
#include "store/session_log.hpp"

namespace bounceback::store {

constexpr std::size_t max_line_bytes = 1000;

SessionRecord::SessionRecord(smtp::SessionFacts facts, std::size_t max_lines, EventFeed* feed)
    : id_(facts.id),
      max_lines_(max_lines),
      feed_(feed),
      facts_(std::move(facts)),
      started_at_(Clock::now()) {}

void SessionRecord::line(bool inbound, std::string_view text) {
  const auto now = Clock::now();
  std::lock_guard lock(mutex_);
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view one = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (!one.empty() && one.back() == '\r') one.remove_suffix(1);
    if (marks_.size() >= max_lines_) {
      ++dropped_lines_;
      continue;
    }
    if (marks_.size() == 1) {
      // The client spoke (an idle connection holds only its greeting, and stays small): room
      // for a one-message session at once.
      marks_.reserve(16);
      text_.reserve(512);
    }
    text_ += one.substr(0, max_line_bytes);
    marks_.push_back({now, static_cast<std::uint32_t>(text_.size()), inbound});
  }
}

void SessionRecord::update(const smtp::SessionFacts& facts) {
  std::lock_guard lock(mutex_);
  facts_ = facts;
}

void SessionRecord::end() {
  std::string event;
  {
    std::lock_guard lock(mutex_);
    ended_at_ = Clock::now();
    if (feed_ && feed_->active()) {
      const auto& f = facts_;
      event = "{\"id\":" + json_string(f.id) + ",\"client_ip\":" + json_string(f.client_ip) +
              ",\"messages\":" + std::to_string(f.messages) +
              ",\"tls\":" + (f.tls ? "true" : "false") +
              ",\"auth_user\":" + json_string(f.auth_user) + "}";
    }
  }
  if (!event.empty()) feed_->publish("session_closed", event);
}

SessionView SessionRecord::view() const {
  std::lock_guard lock(mutex_);
  SessionView v{facts_, started_at_, ended_at_, {}, dropped_lines_};
  v.transcript.reserve(marks_.size());
  std::uint32_t begin = 0;
  for (const auto& m : marks_) {
    v.transcript.push_back({m.at, m.inbound, text_.substr(begin, m.end - begin)});
    begin = m.end;
  }
  return v;
}

SessionLog::SessionLog(std::size_t max_sessions, std::size_t max_lines_per_session, EventFeed* feed)
    : max_sessions_(max_sessions), max_lines_(max_lines_per_session), feed_(feed) {}

std::shared_ptr<SessionRecord> SessionLog::open(const smtp::SessionFacts& facts) {
  auto record = std::make_shared<SessionRecord>(facts, max_lines_, feed_);
  if (feed_ && feed_->active())
    feed_->publish("session_opened", "{\"id\":" + json_string(facts.id) +
                                         ",\"client_ip\":" + json_string(facts.client_ip) + "}");
  std::lock_guard lock(mutex_);
  sessions_.push_back(record);
  while (sessions_.size() > max_sessions_) sessions_.pop_front();
  return record;
}

std::vector<std::shared_ptr<const SessionRecord>> SessionLog::newest_first() const {
  std::lock_guard lock(mutex_);
  return {sessions_.rbegin(), sessions_.rend()};
}

std::shared_ptr<const SessionRecord> SessionLog::find(std::string_view id) const {
  std::lock_guard lock(mutex_);
  for (auto it = sessions_.rbegin(); it != sessions_.rend(); ++it)
    if ((*it)->id() == id) return *it;
  return nullptr;
}

void SessionLog::clear() {
  std::lock_guard lock(mutex_);
  sessions_.clear();
}

}  // namespace bounceback::store
