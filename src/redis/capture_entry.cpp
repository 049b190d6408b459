// The capture log's entries (see capture_entry.hpp). The envelope is a list of
// length-prefixed strings, so any byte may appear in a field (a UTF-8 address, an odd HELO)
// and a reader never scans for a delimiter inside a value.
#include "redis/capture_entry.hpp"

#include <charconv>

namespace bounceback::redis {

namespace {

// Bumped when the field list changes: an older replica then skips the entries it cannot read.
constexpr std::string_view envelope_version = "1";

void put(std::string& out, std::string_view value) {
  out += std::to_string(value.size());
  out += ':';
  out += value;
}

void put(std::string& out, bool value) {
  put(out, value ? std::string_view("1") : std::string_view("0"));
}

template <class N>
bool number(std::string_view text, N& value) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

// Reads the strings put() wrote, in order.
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

 private:
  std::string_view rest_;
};

}  // namespace

std::string capture_key(std::string_view prefix) {
  return std::string(prefix) + "capture";
}

std::string encode_envelope(const smtp::AcceptedMessage& m) {
  std::string out;
  out.reserve(256);
  put(out, envelope_version);
  put(out, m.from);
  put(out, m.params.size ? std::to_string(*m.params.size) : std::string());
  put(out, m.params.body);
  put(out, m.params.smtputf8);
  put(out, m.params.ret);
  put(out, m.params.envid);
  put(out, m.params.auth);
  put(out, std::to_string(m.rcpts.size()));
  for (const auto& r : m.rcpts) {
    put(out, r.address);
    put(out, r.params.notify);
    put(out, r.params.orcpt);
  }
  for (const std::string* s : {&m.session_id, &m.client_ip, &m.helo, &m.tls_version, &m.tls_cipher,
                               &m.auth_user, &m.server_hostname, &m.generated, &m.about})
    put(out, *s);
  for (const bool b : {m.esmtp, m.lmtp, m.tls, m.chunked}) put(out, b);
  return out;
}

bool decode_envelope(std::string_view text, smtp::AcceptedMessage& m) {
  Reader in(text);
  std::string_view version, size, count;
  if (!in.next(version) || version != envelope_version) return false;
  if (!in.next(m.from) || !in.next(size)) return false;
  m.params.size.reset();
  if (!size.empty()) {
    std::uint64_t n = 0;
    if (!number(size, n)) return false;
    m.params.size = n;
  }
  if (!in.next(m.params.body) || !in.next(m.params.smtputf8) || !in.next(m.params.ret) ||
      !in.next(m.params.envid) || !in.next(m.params.auth) || !in.next(count))
    return false;
  std::size_t rcpts = 0;
  // Each recipient takes at least 6 bytes ("0:0:0:"): a count beyond that is malformed, not
  // a reason to reserve memory.
  if (!number(count, rcpts) || rcpts > text.size() / 6) return false;
  m.rcpts.assign(rcpts, {});
  for (auto& r : m.rcpts)
    if (!in.next(r.address) || !in.next(r.params.notify) || !in.next(r.params.orcpt)) return false;
  for (std::string* s : {&m.session_id, &m.client_ip, &m.helo, &m.tls_version, &m.tls_cipher,
                         &m.auth_user, &m.server_hostname, &m.generated, &m.about})
    if (!in.next(*s)) return false;
  for (bool* b : {&m.esmtp, &m.lmtp, &m.tls, &m.chunked})
    if (!in.next(*b)) return false;
  return in.done();
}

void encode_entry(EntryKind kind, std::string_view origin, std::string_view id,
                  const smtp::AcceptedMessage* message,
                  std::chrono::system_clock::time_point received_at, EncodedEntry& out) {
  const std::string_view k = kind == EntryKind::message ? "m"
                             : kind == EntryKind::erase ? "d"
                                                        : "c";
  out.fields.clear();
  out.fields.emplace_back("k", k);
  out.fields.emplace_back("o", origin);
  out.fields.emplace_back("i", id);
  if (kind != EntryKind::message || !message) return;
  out.envelope = encode_envelope(*message);
  out.time = std::to_string(
      std::chrono::duration_cast<std::chrono::microseconds>(received_at.time_since_epoch())
          .count());
  out.fields.emplace_back("t", out.time);
  out.fields.emplace_back("e", out.envelope);
  out.fields.emplace_back("b", message->data);
}

std::optional<CaptureEntry> decode_entry(Fields fields, std::string& error) {
  std::string_view k, o, i, t, e, b;
  bool has_t = false, has_e = false, has_b = false;
  for (const auto& [name, value] : fields) {
    if (name == "k")
      k = value;
    else if (name == "o")
      o = value;
    else if (name == "i")
      i = value;
    else if (name == "t")
      t = value, has_t = true;
    else if (name == "e")
      e = value, has_e = true;
    else if (name == "b")
      b = value, has_b = true;
  }
  CaptureEntry entry;
  entry.origin.assign(o);
  entry.message.queue_id.assign(i);
  if (o.empty()) {
    error = "no origin";
    return std::nullopt;
  }
  if (k == "c") {
    entry.kind = EntryKind::clear;
    return entry;
  }
  if (i.empty()) {
    error = "no message id";
    return std::nullopt;
  }
  if (k == "d") {
    entry.kind = EntryKind::erase;
    return entry;
  }
  if (k != "m") {
    error = "unknown kind";
    return std::nullopt;
  }
  std::int64_t micros = 0;
  if (!has_t || !has_e || !has_b || !number(t, micros)) {
    error = "incomplete message";
    return std::nullopt;
  }
  if (!decode_envelope(e, entry.message)) {
    error = "malformed envelope";
    return std::nullopt;
  }
  entry.received_at = std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::microseconds(micros)));
  entry.message.data.assign(b);
  return entry;
}

}  // namespace bounceback::redis
