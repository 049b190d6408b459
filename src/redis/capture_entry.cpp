// The capture log's entries (see capture_entry.hpp): length-prefixed values, so a reader never
// scans for a delimiter inside one, written without a temporary string per field.
#include "redis/capture_entry.hpp"

#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>

namespace bounceback::redis {

namespace {

// Bumped when the records change: an older replica then skips the entries it cannot read.
constexpr std::string_view records_version = "1";

// Writes one record's values at the end of a string: the small ones through a buffer on the
// stack, appended in one piece (a string's append costs a capacity check and a call each, and
// a record is some 30 values), a big one (a message's bytes) appended straight.
class Writer {
 public:
  // `bytes`: about what the record takes, reserved (no bytes written before they are known:
  // filling room with zeros first costs as much as writing it).
  Writer(std::string& out, std::size_t bytes) : out_(out) { out_.reserve(out_.size() + bytes); }
  ~Writer() { flush(); }
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Inlined at every value (a record is some 30): the length's digits by hand for the usual
  // short values (std::to_chars cost ~30 instructions a value), a big value out of line.
  [[gnu::always_inline]] void put(std::string_view value) {
    const std::size_t n = value.size();
    if (n > big) return put_big(value);
    if (room() < n + 24) flush();
    if (n < 10) {
      *p_++ = static_cast<char>('0' + n);
    } else if (n < 100) {
      p_[0] = static_cast<char>('0' + n / 10);
      p_[1] = static_cast<char>('0' + n % 10);
      p_ += 2;
    } else {
      p_ = std::to_chars(p_, buf_ + sizeof buf_, n).ptr;
    }
    *p_++ = ':';
    if (n != 0) std::memcpy(p_, value.data(), n);
    p_ += n;
  }
  [[gnu::always_inline]] void put(std::uint64_t value) {
    if (value < 10) {  // an enum's value
      if (room() < 3) flush();
      p_[0] = '1';
      p_[1] = ':';
      p_[2] = static_cast<char>('0' + value);
      p_ += 3;
    } else if (value >= 1'000'000'000'000'000 && value < 10'000'000'000'000'000) {
      // A time in microseconds (16 digits from 2001 on): two halves of 8 digits, each
      // in 32-bit arithmetic (std::to_chars divides the 64-bit value by 100 eight times).
      if (room() < 24) flush();
      p_[0] = '1';
      p_[1] = '6';
      p_[2] = ':';
      eight(p_ + 3, static_cast<std::uint32_t>(value / 100'000'000));
      eight(p_ + 11, static_cast<std::uint32_t>(value % 100'000'000));
      p_ += 19;
    } else if (value >= 1'000'000'000) {  // 10 to 20 digits, written in place
      if (room() < 24) flush();
      char* const end = std::to_chars(p_ + 3, buf_ + sizeof buf_, value).ptr;
      const auto n = static_cast<std::size_t>(end - (p_ + 3));
      p_[0] = static_cast<char>('0' + n / 10);
      p_[1] = static_cast<char>('0' + n % 10);
      p_[2] = ':';
      p_ = end;
    } else {
      char digits[24];
      put(std::string_view(digits, std::to_chars(digits, digits + sizeof digits, value).ptr));
    }
  }
  [[gnu::always_inline]] void put(bool value) {
    if (room() < 3) flush();
    p_[0] = '1';
    p_[1] = ':';
    p_[2] = value ? '1' : '0';
    p_ += 3;
  }

 private:
  static constexpr std::size_t big = 256;
  // The 8 decimal digits of `v` (< 10^8), leading zeros included.
  static void eight(char* out, std::uint32_t v) {
    static constexpr char pairs[] =
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
        "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
        "8081828384858687888990919293949596979899";
    const std::uint32_t high = v / 10000, low = v % 10000;
    std::memcpy(out, pairs + 2 * (high / 100), 2);
    std::memcpy(out + 2, pairs + 2 * (high % 100), 2);
    std::memcpy(out + 4, pairs + 2 * (low / 100), 2);
    std::memcpy(out + 6, pairs + 2 * (low % 100), 2);
  }
  [[gnu::noinline]] void put_big(std::string_view value) {
    flush();
    char digits[24];
    char* end = std::to_chars(digits, digits + sizeof digits, value.size()).ptr;
    *end++ = ':';
    out_.append(digits, end);
    out_.append(value);
  }
  std::size_t room() const { return static_cast<std::size_t>(buf_ + sizeof buf_ - p_); }
  void flush() {
    out_.append(buf_, p_);
    p_ = buf_;
  }
  std::string& out_;
  char buf_[512];
  char* p_ = buf_;
};

[[gnu::always_inline]] inline void put(Writer& out, std::string_view value) {
  out.put(value);
}
[[gnu::always_inline]] inline void put(Writer& out, std::uint64_t value) {
  out.put(value);
}
[[gnu::always_inline]] inline void put(Writer& out, bool value) {
  out.put(value);
}

template <class N>
bool number(std::string_view text, N& value) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

// Reads the values put() wrote, in order.
class Reader {
 public:
  explicit Reader(std::string_view text) : rest_(text) {}
  bool next(std::string_view& value) {
    const auto colon = rest_.find(':');
    std::size_t n = 0;
    if (colon == std::string_view::npos || colon > 10 || !number(rest_.substr(0, colon), n) ||
        n > rest_.size() - colon - 1)
      return false;
    value = rest_.substr(colon + 1, n);
    rest_.remove_prefix(colon + 1 + n);
    return true;
  }
  bool next(std::string& value) {
    std::string_view v;
    if (!next(v)) return false;
    value.assign(v);
    return true;
  }
  bool next(bool& value) {
    std::string_view v;
    if (!next(v) || (v != "0" && v != "1")) return false;
    value = v == "1";
    return true;
  }
  bool done() const { return rest_.empty(); }
  std::size_t left() const { return rest_.size(); }

 private:
  std::string_view rest_;
};

// The session's facts and flags, in their order in a record.
template <class M>
auto texts(M& m) {
  return std::array{&m.session_id, &m.client_ip,       &m.helo,      &m.tls_version, &m.tls_cipher,
                    &m.auth_user,  &m.server_hostname, &m.generated, &m.about};
}
template <class M>
auto flags(M& m) {
  return std::array{&m.esmtp, &m.lmtp, &m.tls, &m.chunked};
}

// About what a message's record takes, for a Writer's reserve.
std::size_t message_bytes(const smtp::AcceptedMessage& m);

void put_message(Writer& out, const smtp::AcceptedMessage& m,
                 std::chrono::system_clock::time_point received_at) {
  put(out, static_cast<std::uint64_t>(
               std::chrono::duration_cast<std::chrono::microseconds>(received_at.time_since_epoch())
                   .count()));
  put(out, m.from);
  if (m.params.size)
    put(out, *m.params.size);
  else
    put(out, std::string_view());
  put(out, m.params.body);
  put(out, m.params.smtputf8);
  put(out, m.params.ret);
  put(out, m.params.envid);
  put(out, m.params.auth);
  put(out, std::uint64_t{m.rcpts.size()});
  for (const auto& r : m.rcpts) {
    put(out, r.address);
    put(out, r.params.notify);
    put(out, r.params.orcpt);
  }
  for (const std::string* s : texts(m)) put(out, *s);
  for (const bool* b : flags(m)) put(out, *b);
  put(out, m.data);
}

bool read_message(Reader& in, CaptureRecord& r) {
  auto& m = r.message;
  std::string_view time, size, count;
  std::uint64_t micros = 0;
  if (!in.next(time) || !number(time, micros) || !in.next(m.from) || !in.next(size)) return false;
  r.received_at = std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::microseconds(micros)));
  if (!size.empty()) {
    std::uint64_t n = 0;
    if (!number(size, n)) return false;
    m.params.size = n;
  }
  if (!in.next(m.params.body) || !in.next(m.params.smtputf8) || !in.next(m.params.ret) ||
      !in.next(m.params.envid) || !in.next(m.params.auth) || !in.next(count))
    return false;
  std::size_t rcpts = 0;
  // Each recipient takes at least 6 bytes ("0:0:0:"): a count beyond what is left is
  // malformed, not a reason to reserve memory.
  if (!number(count, rcpts) || rcpts > in.left() / 6) return false;
  m.rcpts.assign(rcpts, {});
  for (auto& rcpt : m.rcpts)
    if (!in.next(rcpt.address) || !in.next(rcpt.params.notify) || !in.next(rcpt.params.orcpt))
      return false;
  for (std::string* s : texts(m))
    if (!in.next(*s)) return false;
  for (bool* b : flags(m))
    if (!in.next(*b)) return false;
  return in.next(m.data);
}

std::size_t message_bytes(const smtp::AcceptedMessage& m) {
  std::size_t bytes = 24 * 4 + m.rcpts.size() * 3 * 4 + m.queue_id.size() + m.from.size() +
                      m.params.body.size() + m.params.ret.size() + m.params.envid.size() +
                      m.params.auth.size() + m.data.size();
  for (const auto& r : m.rcpts)
    bytes += r.address.size() + r.params.notify.size() + r.params.orcpt.size();
  for (const std::string* t : texts(m)) bytes += t->size();
  return bytes;
}

void put_time(Writer& out, std::chrono::system_clock::time_point t) {
  put(out,
      static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count()));
}

bool read_time(Reader& in, std::chrono::system_clock::time_point& t) {
  std::string_view text;
  std::uint64_t micros = 0;
  if (!in.next(text) || !number(text, micros)) return false;
  t = std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::microseconds(micros)));
  return true;
}

template <class E>
bool read_enum(Reader& in, E& value, unsigned limit) {
  std::string_view text;
  unsigned n = 0;
  if (!in.next(text) || !number(text, n) || n > limit) return false;
  value = static_cast<E>(n);
  return true;
}

void start(Writer& out, EntryKind kind) {
  const char letter = static_cast<char>(kind);
  put(out, std::string_view(&letter, 1));
}

bool read_attempt(Reader& in, CaptureRecord& r) {
  auto& a = r.attempt;
  std::string_view sent_at;
  if (!read_time(in, a.at) || !in.next(a.from) || !in.next(a.rcpt) || !in.next(a.client_ip) ||
      !in.next(a.session_id) || !in.next(a.reply) || !in.next(sent_at) ||
      !read_enum(in, a.outcome, static_cast<unsigned>(scenario::Outcome::abandoned)) ||
      !read_enum(in, a.stage, smtp::event_kind_count - 1) || !in.next(a.client_gone) ||
      !in.next(a.stored) || !in.next(r.paced))
    return false;
  if (!sent_at.empty()) {
    std::uint64_t micros = 0;
    if (!number(sent_at, micros)) return false;
    a.sent_at = std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::microseconds(micros)));
  }
  return true;
}

bool read_completed(Reader& in, CaptureRecord& r) {
  auto& a = r.attempt;
  return in.next(a.session_id) && in.next(a.rcpt) && in.next(a.reply) &&
         read_enum(in, a.outcome, static_cast<unsigned>(scenario::Outcome::abandoned)) &&
         read_enum(in, a.stage, smtp::event_kind_count - 1) && read_time(in, a.at) &&
         in.next(r.paced) && in.next(a.stored);
}

}  // namespace

std::string attempt_record(const scenario::AttemptRecord& a, bool paced, EntryKind kind) {
  std::string record;
  append_attempt_record(record, a, paced, kind);
  return record;
}

void append_attempt_record(std::string& records, const scenario::AttemptRecord& a, bool paced,
                           EntryKind kind) {
  Writer out(records, 14 * 4 + 3 * 16 + a.from.size() + a.rcpt.size() + a.client_ip.size() +
                          a.session_id.size() + a.reply.size());
  start(out, kind);
  put_time(out, a.at);
  put(out, a.from);
  put(out, a.rcpt);
  put(out, a.client_ip);
  put(out, a.session_id);
  put(out, a.reply);
  if (a.sent_at) {
    put_time(out, *a.sent_at);
  } else {
    put(out, std::string_view());
  }
  put(out, std::uint64_t{static_cast<unsigned>(a.outcome)});
  put(out, std::uint64_t{static_cast<unsigned>(a.stage)});
  put(out, a.client_gone);
  put(out, a.stored);
  put(out, paced);
}

std::string completed_record(std::string_view session_id, std::string_view rcpt,
                             const scenario::Completion& how) {
  std::string record;
  {
    Writer out(record, 9 * 4 + 16 + session_id.size() + rcpt.size() + how.reply.size());
    start(out, EntryKind::completed);
    put(out, session_id);
    put(out, rcpt);
    put(out, how.reply);
    put(out, std::uint64_t{static_cast<unsigned>(how.outcome)});
    put(out, std::uint64_t{static_cast<unsigned>(how.stage)});
    put_time(out, how.at);
    put(out, how.paced);
    put(out, how.stored);
  }  // the Writer trims `record` to what it wrote
  return record;
}

std::string sent_record(std::string_view session_id, std::chrono::system_clock::time_point at,
                        smtp::Sent how) {
  std::string record;
  {
    Writer out(record, 4 * 4 + 16 + session_id.size());
    start(out, EntryKind::sent);
    put(out, session_id);
    put_time(out, at);
    put(out, std::uint64_t{static_cast<unsigned>(how)});
  }
  return record;
}

std::string attempts_cleared_record() {
  std::string record;
  {
    Writer out(record, 4);
    start(out, EntryKind::attempts_cleared);
  }
  return record;
}

std::string capture_key(std::string_view prefix) {
  return std::string(prefix) + "capture";
}

std::string capture_key(std::string_view prefix, std::string_view replica) {
  return capture_key(prefix) + ":" + std::string(replica);
}

std::string replicas_key(std::string_view prefix) {
  return std::string(prefix) + "replicas";
}

void append_record(std::string& records, EntryKind kind, std::string_view id,
                   const smtp::AcceptedMessage* message,
                   std::chrono::system_clock::time_point received_at) {
  const bool full = kind == EntryKind::message;
  Writer out(records, 8 + id.size() + (full ? message_bytes(*message) : 0));
  start(out, kind);
  if (kind == EntryKind::clear) return;
  put(out, id);
  if (full) put_message(out, *message, received_at);
}

bool split_entry(Fields fields, std::string_view& origin, std::string_view& records,
                 std::string& error) {
  std::string_view version;
  bool has_records = false;
  origin = {};
  for (const auto& [name, value] : fields) {
    if (name == "o")
      origin = value;
    else if (name == "v")
      version = value;
    else if (name == "r")
      records = value, has_records = true;
  }
  if (origin.empty())
    error = "no origin";
  else if (version != records_version)
    error = "records of another version";
  else if (!has_records)
    error = "no records";
  else
    return true;
  return false;
}

std::optional<std::vector<CaptureRecord>> read_records(std::string_view records,
                                                       std::string& error) {
  std::vector<CaptureRecord> out;
  Reader in(records);
  while (!in.done()) {
    CaptureRecord& r = out.emplace_back();
    std::string_view kind;
    if (!in.next(kind) || kind.size() != 1) {
      error = "malformed record";
      return std::nullopt;
    }
    r.kind = static_cast<EntryKind>(kind[0]);
    bool ok = true;
    switch (r.kind) {
      case EntryKind::clear:
      case EntryKind::attempts_cleared:
        continue;
      case EntryKind::attempt:
      case EntryKind::finished:
        ok = read_attempt(in, r);
        break;
      case EntryKind::completed:
        ok = read_completed(in, r);
        break;
      case EntryKind::sent:
        ok = in.next(r.attempt.session_id) && read_time(in, r.attempt.at) &&
             read_enum(in, r.how, static_cast<unsigned>(smtp::Sent::not_sent));
        break;
      case EntryKind::message:
      case EntryKind::erase:
        break;
      default:
        error = "unknown kind of record";
        return std::nullopt;
    }
    if (!ok) {
      error = "malformed record";
      return std::nullopt;
    }
    if (r.kind != EntryKind::message && r.kind != EntryKind::erase) continue;
    if (!in.next(r.message.queue_id) || r.message.queue_id.empty() ||
        (r.kind == EntryKind::message && !read_message(in, r))) {
      error = "malformed record";
      return std::nullopt;
    }
  }
  return out;
}

}  // namespace bounceback::redis
