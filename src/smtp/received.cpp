// Formatting of the Received header. Postfix's layout (one clause per folded line); no reverse
// DNS lookup (a test double should not wait on DNS), so the client is named by its address.
#include "smtp/received.hpp"

#include <cstring>

namespace bounceback::smtp {
namespace {

// At most `limit` bytes, control characters (CR, LF, NUL, …) replaced by '?'.
std::string printable(std::string_view text, std::size_t limit) {
  std::string out(text.substr(0, limit));
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  return out;
}

// RFC 5321 §4.1.3 address literal: "[192.0.2.1]", "[IPv6:2001:db8::1]".
std::string address_literal(std::string_view ip) {
  if (ip.empty()) return "unknown";
  return ip.find(':') == std::string_view::npos ? "[" + printable(ip, 64) + "]"
                                                : "[IPv6:" + printable(ip, 64) + "]";
}

}  // namespace

std::string_view with_protocol(bool esmtp, bool tls, bool authenticated, bool lmtp) {
  if (lmtp) {  // RFC 3848
    if (tls) return authenticated ? "LMTPSA" : "LMTPS";
    return authenticated ? "LMTPA" : "LMTP";
  }
  if (!esmtp) return "SMTP";
  if (tls) return authenticated ? "ESMTPSA" : "ESMTPS";
  return authenticated ? "ESMTPA" : "ESMTP";
}

DateText rfc5322_date_text(std::chrono::system_clock::time_point at) {
  using namespace std::chrono;
  static constexpr const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  // The civil calendar by arithmetic (no gmtime_r, which takes the C library's time zone
  // lock, and no snprintf): every generated report and Received header writes one.
  const auto secs = floor<seconds>(at);
  const auto day = floor<std::chrono::days>(secs);
  const year_month_day ymd{day};
  const hh_mm_ss hms{secs - day};
  const auto year = static_cast<unsigned>(static_cast<int>(ymd.year()));
  // system_clock counts nanoseconds in 64 bits: years 1678 to 2261, always four digits.
  DateText d;
  char* p = d.text;
  const auto put = [&](const char* s, std::size_t n) {
    std::memcpy(p, s, n);
    p += n;
  };
  const auto two = [&](unsigned v) {
    *p++ = static_cast<char>('0' + v / 10);
    *p++ = static_cast<char>('0' + v % 10);
  };
  put(days[weekday(day).c_encoding()], 3);
  put(", ", 2);
  const auto mday = static_cast<unsigned>(ymd.day());
  if (mday >= 10) *p++ = static_cast<char>('0' + mday / 10);
  *p++ = static_cast<char>('0' + mday % 10);
  *p++ = ' ';
  put(months[static_cast<unsigned>(ymd.month()) - 1], 3);
  *p++ = ' ';
  two(year / 100);
  two(year % 100);
  *p++ = ' ';
  two(static_cast<unsigned>(hms.hours().count()));
  *p++ = ':';
  two(static_cast<unsigned>(hms.minutes().count()));
  *p++ = ':';
  two(static_cast<unsigned>(hms.seconds().count()));
  put(" +0000", 6);
  d.size = static_cast<std::uint8_t>(p - d.text);
  return d;
}

std::string rfc5322_date(std::chrono::system_clock::time_point at) {
  return std::string(rfc5322_date_text(at).view());
}

std::string received_header(const AcceptedMessage& m, std::chrono::system_clock::time_point at) {
  std::string out = "Received: from ";
  out += m.helo.empty() ? std::string("unknown") : printable(m.helo, 255);
  out += " (" + address_literal(m.client_ip) + ")\r\n";
  if (m.tls && !m.tls_version.empty())
    out += "\t(using " + printable(m.tls_version, 32) + " with cipher " +
           printable(m.tls_cipher, 64) + ")\r\n";
  out += "\tby " + printable(m.server_hostname, 255) + " (Bounceback) with ";
  out += with_protocol(m.esmtp, m.tls, !m.auth_user.empty(), m.lmtp);
  out += " id " + m.queue_id;
  // Only a single recipient is named: with several, naming one would disclose it to the others
  // (RFC 5321 §7.2), and Postfix does the same.
  if (m.rcpts.size() == 1) out += "\r\n\tfor <" + printable(m.rcpts.front().address, 320) + ">";
  out += "; " + rfc5322_date(at) + "\r\n";
  return out;
}

}  // namespace bounceback::smtp
