// RefusalLog: a bounded ring of the refusals sent, read newest first.
#include "store/refusal_log.hpp"

#include "smtp/reply.hpp"

namespace bounceback::store {
namespace {

// Appends `s` to `out` up to `max` bytes in all, cut before a UTF-8 continuation byte.
void append_cut(std::string& out, std::string_view s, std::size_t max) {
  if (out.size() >= max) return;
  std::size_t n = std::min(s.size(), max - out.size());
  if (n < s.size())
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  out.append(s.data(), n);
}

void assign_cut(std::string& out, std::string_view s, std::size_t max) {
  out.clear();  // keeps the slot's capacity
  append_cut(out, s, max);
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool is_refusal(std::string_view wire) {
  return wire.size() >= 3 && (wire[0] == '4' || wire[0] == '5') && is_digit(wire[1]) &&
         is_digit(wire[2]);
}

}  // namespace

bool read_refusal_reply(std::string_view wire, Refusal& out) {
  if (!is_refusal(wire)) return false;
  out.code = (wire[0] - '0') * 100u + (wire[1] - '0') * 10u + (wire[2] - '0');
  out.enhanced.clear();
  out.text.clear();
  bool first = true;
  while (!wire.empty()) {
    const auto end = wire.find("\r\n");
    std::string_view line = wire.substr(0, end);
    wire = end == std::string_view::npos ? std::string_view{} : wire.substr(end + 2);
    line = line.size() > 4 ? line.substr(4) : std::string_view{};  // "550-" or "550 "
    // Every line may repeat the enhanced code (RFC 3463 §2); it is kept once.
    const auto space = line.find(' ');
    const std::string_view code = line.substr(0, space);
    if (smtp::is_enhanced_code(code)) {
      if (first) assign_cut(out.enhanced, code, RefusalLog::max_short);
      line = space == std::string_view::npos ? std::string_view{} : line.substr(space + 1);
    }
    if (!first) append_cut(out.text, " / ", RefusalLog::max_text);
    append_cut(out.text, line, RefusalLog::max_text);
    first = false;
  }
  return true;
}

std::string_view to_string(RefusalOutcome outcome) {
  static constexpr std::string_view names[] = {"reply", "drop", "reset", "hang"};
  return names[static_cast<std::size_t>(outcome)];
}

RefusalLog::RefusalLog(std::size_t capacity) : capacity_(capacity ? capacity : 1) {}

Refusal& RefusalLog::next_slot() {
  if (slots_.size() < capacity_) return slots_.emplace_back();
  Refusal& slot = slots_[next_];
  next_ = (next_ + 1) % capacity_;
  return slot;
}

void RefusalLog::fill(Refusal& r, const smtp::Event& event) {
  r.id = ++last_id_;
  r.at = std::chrono::system_clock::now();
  r.stage = event.kind;
  assign_cut(r.from, event.from, max_address);
  r.rcpt.clear();
  if (event.kind == smtp::EventKind::rcpt) {
    append_cut(r.rcpt, event.rcpt, max_address);
    r.recipients = 1;
  } else {
    for (std::size_t i = 0; i < event.rcpts.size(); ++i) {
      if (i) append_cut(r.rcpt, ", ", max_rcpts);
      append_cut(r.rcpt, event.rcpts[i], max_rcpts);
    }
    r.recipients = static_cast<std::uint32_t>(event.rcpts.size());
  }
  assign_cut(r.client_ip, event.session ? std::string_view(event.session->client_ip) : "",
             max_short);
  assign_cut(r.session_id, event.session ? std::string_view(event.session->id) : "", max_short);
}

std::uint64_t RefusalLog::record(const smtp::Event& event, std::string_view wire, Refusal* copy) {
  if (!is_refusal(wire)) return 0;
  std::lock_guard lock(mutex_);
  Refusal& r = next_slot();
  read_refusal_reply(wire, r);
  r.outcome = RefusalOutcome::reply;
  fill(r, event);
  if (copy) *copy = r;
  return r.id;
}

std::uint64_t RefusalLog::record_silence(const smtp::Event& event, RefusalOutcome how,
                                         Refusal* copy) {
  if (how == RefusalOutcome::reply) return 0;
  std::lock_guard lock(mutex_);
  Refusal& r = next_slot();
  r.outcome = how;
  r.code = 0;
  r.enhanced.clear();
  r.text.clear();
  fill(r, event);
  if (copy) *copy = r;
  return r.id;
}

RefusalLog::Page RefusalLog::newest_first(RefusalClass klass, std::size_t start, std::size_t limit,
                                          const std::function<bool(const Refusal&)>& keep) const {
  Page page;
  std::lock_guard lock(mutex_);
  const std::size_t n = slots_.size();
  for (std::size_t i = 0; i < n; ++i) {
    // Newest first: the slot before next_ (the oldest), going back around the ring.
    const Refusal& r = slots_[(next_ + n - 1 - i) % n];
    if ((klass == RefusalClass::temporary && r.permanent()) ||
        (klass == RefusalClass::permanent && !r.permanent()))
      continue;
    if (keep && !keep(r)) continue;
    if (page.total >= start && page.total - start < limit) page.refusals.push_back(r);
    ++page.total;
  }
  return page;
}

std::size_t RefusalLog::size() const {
  std::lock_guard lock(mutex_);
  return slots_.size();
}

void RefusalLog::clear() {
  std::lock_guard lock(mutex_);
  slots_.clear();
  next_ = 0;
}

}  // namespace bounceback::store
