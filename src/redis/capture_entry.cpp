// The capture log's entries (see capture_entry.hpp): length-prefixed values, so a reader never
// scans for a delimiter inside one, written without a temporary string per field.
#include "redis/capture_entry.hpp"

#include <array>
#include <charconv>
#include <cstdint>

namespace bounceback::redis {

namespace {

// Bumped when the records change: an older replica then skips the entries it cannot read.
constexpr std::string_view records_version = "1";

void put(std::string& out, std::string_view value) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, value.size()).ptr;
  out.append(digits, end);
  out += ':';
  out += value;
}

void put(std::string& out, std::uint64_t value) {
  char digits[24];
  put(out, std::string_view(digits, std::to_chars(digits, digits + sizeof digits, value).ptr));
}

void put(std::string& out, bool value) {
  put(out, value ? std::string_view("1") : std::string_view("0"));
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

void put_message(std::string& out, const smtp::AcceptedMessage& m,
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

}  // namespace

std::string capture_key(std::string_view prefix) {
  return std::string(prefix) + "capture";
}

void append_record(std::string& out, EntryKind kind, std::string_view id,
                   const smtp::AcceptedMessage* message,
                   std::chrono::system_clock::time_point received_at) {
  const char letter = static_cast<char>(kind);
  put(out, std::string_view(&letter, 1));
  if (kind == EntryKind::clear) return;
  put(out, id);
  if (kind == EntryKind::message) put_message(out, *message, received_at);
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
    if (r.kind == EntryKind::clear) continue;
    if (r.kind != EntryKind::message && r.kind != EntryKind::erase) {
      error = "unknown kind of record";
      return std::nullopt;
    }
    if (!in.next(r.message.queue_id) || r.message.queue_id.empty() ||
        (r.kind == EntryKind::message && !read_message(in, r))) {
      error = "malformed record";
      return std::nullopt;
    }
  }
  return out;
}

}  // namespace bounceback::redis
