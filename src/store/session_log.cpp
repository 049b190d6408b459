// Session records and their log, bounded in sessions and in bytes (see session_log.hpp).
#include "store/session_log.hpp"

#include <algorithm>
#include <limits>

namespace bounceback::store {
namespace {

// What a record costs besides its transcript: the record, its facts, the shared_ptr block.
constexpr std::size_t record_overhead = sizeof(SessionRecord) + 256;
constexpr std::size_t malloc_overhead = 16;

// A heap block's cost; libstdc++ keeps strings of up to 15 bytes inside the object.
std::size_t string_cost(const std::string& s) {
  return s.capacity() > 15 ? s.capacity() + 1 + malloc_overhead : 0;
}

// `text` cut at `bound` bytes (not inside a UTF-8 sequence), saying how much was left out.
std::string cut(std::string_view text, std::size_t bound) {
  std::size_t n = bound;
  while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
  std::string out(text.substr(0, n));
  out += " [... " + std::to_string(text.size() - n) + " more bytes]";
  return out;
}

SessionBudget sane(SessionBudget b) {
  // One session fits the log's budget; the head's offsets are 32-bit.
  b.session_bytes = std::min(
      {b.session_bytes, b.total_bytes, std::size_t{std::numeric_limits<std::uint32_t>::max()}});
  return b;
}

}  // namespace

SessionRecord::SessionRecord(smtp::SessionFacts facts, const SessionBudget& budget, SessionLog* log,
                             EventFeed* feed)
    : id_(facts.id),
      budget_(sane(budget)),
      log_(log),
      feed_(feed),
      facts_(std::move(facts)),
      started_at_(Clock::now()),
      listed_(log != nullptr) {
  charged_ = charge();
}

std::size_t SessionRecord::charge() const {
  std::size_t head = string_cost(head_text_) + marks_.capacity() * sizeof(Mark);
  if (marks_.capacity()) head += malloc_overhead;
  return record_overhead + head + tail_bytes_;
}

std::size_t SessionRecord::bytes() const {
  std::lock_guard lock(mutex_);
  return charged_;
}

void SessionRecord::line(bool inbound, std::string_view text) {
  const auto now = Clock::now();
  std::int64_t delta = 0;
  std::size_t elided_before = 0, elided_after = 0;
  {
    std::lock_guard lock(mutex_);
    elided_before = elided_.lines;
    while (!text.empty()) {
      const auto nl = text.find('\n');
      std::string_view one = text.substr(0, nl);
      text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
      if (!one.empty() && one.back() == '\r') one.remove_suffix(1);
      if (evicted_)
        ++dropped_lines_;
      else
        keep(now, inbound, one);
    }
    elided_after = elided_.lines;
    const std::size_t now_charged = charge();
    if (listed_)
      delta = static_cast<std::int64_t>(now_charged) - static_cast<std::int64_t>(charged_);
    charged_ = now_charged;
  }
  if (!log_) return;
  if (elided_after != elided_before) log_->elided(elided_after - elided_before);
  if (delta) log_->charged(delta);
}

void SessionRecord::keep(Clock::time_point at, bool inbound, std::string_view text) {
  std::string shortened;
  if (text.size() > budget_.line_bytes) shortened = cut(text, budget_.line_bytes);
  const std::string_view kept = text.size() > budget_.line_bytes ? shortened : text;
  const std::size_t room =
      budget_.session_bytes > record_overhead ? budget_.session_bytes - record_overhead : 0;
  if (!head_full_) {
    // The head takes the first half of the room, sized by what it holds; the capacity the
    // string and vector grow to is what the log is charged.
    const std::size_t need = head_text_.size() + kept.size() + (marks_.size() + 1) * sizeof(Mark);
    if (need <= room / 2) {
      if (marks_.size() == 1) {
        // The client spoke (an idle connection holds only its greeting, and stays small):
        // room for a one-message session at once.
        marks_.reserve(16);
        head_text_.reserve(512);
      }
      head_text_ += kept;
      marks_.push_back({at, static_cast<std::uint32_t>(head_text_.size()), inbound});
      return;
    }
    head_full_ = true;
    head_text_.shrink_to_fit();
    marks_.shrink_to_fit();
  }
  // The tail: the newest lines in what the head left of the room, at least the last one.
  auto cost = [](const TailLine& t) { return sizeof(TailLine) + string_cost(t.line.text); };
  TailLine t{{at, inbound, std::string(kept)}, text.size()};
  tail_bytes_ += cost(t);
  tail_.push_back(std::move(t));
  const std::size_t head = charge() - record_overhead - tail_bytes_;
  const std::size_t tail_room = room > head ? room - head : 0;
  while (tail_.size() > 1 && tail_bytes_ > tail_room) {
    const TailLine& old = tail_.front();
    tail_bytes_ -= cost(old);
    elided_.after = marks_.size();
    ++elided_.lines;
    elided_.bytes += old.sent;
    ++dropped_lines_;
    tail_.pop_front();
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

SessionView SessionRecord::view(bool with_transcript) const {
  std::lock_guard lock(mutex_);
  SessionView v{facts_, started_at_, ended_at_, {}, std::nullopt, dropped_lines_, evicted_};
  if (elided_.lines) v.elided = elided_;
  if (!with_transcript) return v;
  v.transcript.reserve(marks_.size() + tail_.size());
  std::uint32_t begin = 0;
  for (const auto& m : marks_) {
    v.transcript.push_back({m.at, m.inbound, head_text_.substr(begin, m.end - begin)});
    begin = m.end;
  }
  for (const auto& t : tail_) v.transcript.push_back(t.line);
  return v;
}

std::int64_t SessionRecord::evict() {
  std::string head;
  std::vector<Mark> marks;
  std::deque<TailLine> tail;
  std::lock_guard lock(mutex_);
  dropped_lines_ += marks_.size() + tail_.size();
  head.swap(head_text_);  // freed when this returns
  marks.swap(marks_);
  tail.swap(tail_);
  tail_bytes_ = 0;
  evicted_ = true;
  const auto was = listed_ ? static_cast<std::int64_t>(charged_) : 0;
  listed_ = false;
  charged_ = charge();
  return was;
}

SessionLog::SessionLog(SessionBudget budget, EventFeed* feed)
    : budget_(sane(budget)), feed_(feed) {}

std::shared_ptr<SessionRecord> SessionLog::open(const smtp::SessionFacts& facts) {
  auto record = std::make_shared<SessionRecord>(facts, budget_, this, feed_);
  if (feed_ && feed_->active())
    feed_->publish("session_opened", "{\"id\":" + json_string(facts.id) +
                                         ",\"client_ip\":" + json_string(facts.client_ip) + "}");
  {
    std::lock_guard lock(mutex_);
    bytes_.fetch_add(static_cast<std::int64_t>(record->bytes()), std::memory_order_relaxed);
    sessions_.push_back(record);
  }
  trim();
  return record;
}

void SessionLog::charged(std::int64_t delta) {
  const auto now = bytes_.fetch_add(delta, std::memory_order_relaxed) + delta;
  if (delta > 0 && now > static_cast<std::int64_t>(budget_.total_bytes)) trim();
}

void SessionLog::trim() {
  std::lock_guard lock(mutex_);
  const auto limit = static_cast<std::int64_t>(budget_.total_bytes);
  // Oldest first; the newest session stays even alone over the budget (by at most a line).
  while (!sessions_.empty() &&
         (sessions_.size() > budget_.sessions ||
          (sessions_.size() > 1 && bytes_.load(std::memory_order_relaxed) > limit))) {
    bytes_.fetch_sub(sessions_.front()->evict(), std::memory_order_relaxed);
    sessions_.pop_front();
    evicted_.fetch_add(1, std::memory_order_relaxed);
  }
}

std::size_t SessionLog::bytes() const {
  return static_cast<std::size_t>(std::max<std::int64_t>(0, bytes_.load()));
}

std::size_t SessionLog::size() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
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

}  // namespace bounceback::store
