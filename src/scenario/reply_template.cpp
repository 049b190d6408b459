// Reply templates: validation through smtp::parse_reply, placeholder table, and filling with
// client-supplied values made safe (no CR/LF or control bytes can reach the wire).
#include "scenario/reply_template.hpp"

#include <array>
#include <ctime>

namespace bounceback::scenario {
namespace {

struct Placeholder {
  std::string_view name;
  Field field;
};
constexpr std::array<Placeholder, 17> placeholders{{{"rcpt", Field::rcpt},
                                                    {"rcpt_domain", Field::rcpt_domain},
                                                    {"from", Field::from},
                                                    {"from_domain", Field::from_domain},
                                                    {"FROM_DOMAIN", Field::from_domain_upper},
                                                    {"helo", Field::helo},
                                                    {"client_ip", Field::client_ip},
                                                    {"hostname", Field::hostname},
                                                    {"queue_id", Field::queue_id},
                                                    {"size", Field::size},
                                                    {"session_id", Field::session_id},
                                                    {"token", Field::token},
                                                    {"TOKEN", Field::token_upper},
                                                    {"timestamp", Field::timestamp},
                                                    {"session_token", Field::session_token},
                                                    {"unix_time", Field::unix_time},
                                                    {"date", Field::date}}};

// Client text goes through here: a reply line must not be split or corrupted by it.
void append_safe(std::string& out, std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7f) ? '?' : c;
  }
}

// The domain of an address: what follows its last '@' (empty for <> or a bare local part).
std::string_view domain_of(std::string_view address) {
  const auto at = address.rfind('@');
  return at == std::string_view::npos ? std::string_view{} : address.substr(at + 1);
}

void append_upper(std::string& out, std::string_view s) {
  const std::size_t from = out.size();
  append_safe(out, s);
  for (std::size_t i = from; i < out.size(); ++i)
    if (out[i] >= 'a' && out[i] <= 'z') out[i] = static_cast<char>(out[i] - 'a' + 'A');
}

void append_timestamp(std::string& out, std::chrono::system_clock::time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch());
  const std::time_t secs = static_cast<std::time_t>(ms.count() / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  const auto n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  out.append(buf, n);
  const auto frac = static_cast<int>(ms.count() % 1000);
  out += '.';
  out += static_cast<char>('0' + frac / 100);
  out += static_cast<char>('0' + frac / 10 % 10);
  out += static_cast<char>('0' + frac % 10);
  out += 'Z';
}

void append_date(std::string& out, std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  out.append(buf, std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm));
}

void append_hex(std::string& out, std::uint64_t v, bool upper = false) {
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  for (int shift = 60; shift >= 0; shift -= 4) out += digits[(v >> shift) & 0xf];
}

}  // namespace

std::optional<ReplyTemplate> ReplyTemplate::parse(std::string_view text, std::string& error) {
  ReplyTemplate t;
  if (!smtp::parse_reply(text, t.raw_)) {
    error =
        "expected a reply like \"550 5.1.1 text\" (a 2xx-5xx code, then an optional "
        "enhanced code and text; every line of a multi-line reply with the same code)";
    return std::nullopt;
  }
  if (!t.raw_.enhanced.empty() &&
      t.raw_.enhanced[0] != static_cast<char>('0' + t.raw_.code / 100)) {
    error = "the enhanced code " + t.raw_.enhanced + " does not belong to the class of " +
            std::to_string(t.raw_.code) + " (RFC 3463 §2: the first digits must agree)";
    return std::nullopt;
  }
  std::string_view rest = t.raw_.text;
  std::string literal;
  while (!rest.empty()) {
    const auto open = rest.find('{');
    literal += rest.substr(0, open);
    if (open == std::string_view::npos) break;
    rest.remove_prefix(open);
    if (rest.substr(0, 2) == "{{") {  // an escaped brace: "{{rcpt}" is the text "{rcpt}"
      literal += '{';
      rest.remove_prefix(2);
      continue;
    }
    const auto close = rest.find('}');
    const Placeholder* found = nullptr;
    if (close != std::string_view::npos)
      for (const auto& p : placeholders)
        if (p.name == rest.substr(1, close - 1)) found = &p;
    if (!found) {
      error = "unknown placeholder in \"" + std::string(rest.substr(0, rest.find('}') + 1)) +
              "\"; known: {rcpt} {rcpt_domain} {from} {from_domain} {FROM_DOMAIN} {helo} "
              "{client_ip} {hostname} {queue_id} {size} {session_id} "
              "{token} {TOKEN} {session_token} {timestamp} {unix_time} {date}";
      return std::nullopt;
    }
    if (!literal.empty()) t.segments_.push_back({Field::literal, std::move(literal)});
    literal.clear();
    t.segments_.push_back({found->field, {}});
    rest.remove_prefix(close + 1);
  }
  if (!literal.empty()) t.segments_.push_back({Field::literal, std::move(literal)});
  return t;
}

smtp::Reply ReplyTemplate::fill(const TemplateValues& v) const {
  smtp::Reply r;
  r.code = raw_.code;
  r.enhanced = raw_.enhanced;
  r.text.reserve(raw_.text.size() + 64);
  for (const auto& s : segments_) {
    switch (s.field) {
      case Field::literal:
        r.text += s.text;
        break;
      case Field::rcpt:
        append_safe(r.text, v.rcpt);
        break;
      case Field::rcpt_domain:
        append_safe(r.text, domain_of(v.rcpt));
        break;
      case Field::from:
        append_safe(r.text, v.from);
        break;
      case Field::from_domain:
        append_safe(r.text, domain_of(v.from));
        break;
      case Field::from_domain_upper:
        append_upper(r.text, domain_of(v.from));
        break;
      case Field::hostname:
        append_safe(r.text, v.hostname);
        break;
      case Field::helo:
        append_safe(r.text, v.helo);
        break;
      case Field::client_ip:
        append_safe(r.text, v.client_ip);
        break;
      case Field::queue_id:
        append_safe(r.text, v.queue_id);
        break;
      case Field::session_id:
        append_safe(r.text, v.session_id);
        break;
      case Field::size:
        r.text += std::to_string(v.size);
        break;
      case Field::token:
        append_hex(r.text, v.token);
        break;
      case Field::token_upper:
        append_hex(r.text, v.token, true);
        break;
      case Field::timestamp:
        append_timestamp(r.text, v.now);
        break;
      case Field::session_token:
        append_hex(r.text, v.session_token);
        break;
      case Field::unix_time:
        r.text += std::to_string(
            std::chrono::duration_cast<std::chrono::seconds>(v.now.time_since_epoch()).count());
        break;
      case Field::date:
        append_date(r.text, v.now);
        break;
    }
  }
  return r;
}

}  // namespace bounceback::scenario
