// Formatting of the Received header. Postfix's layout (one clause per folded line); no reverse
// DNS lookup (a test double should not wait on DNS), so the client is named by its address.
#include "smtp/received.hpp"

#include <cstdio>
#include <ctime>

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

std::string rfc5322_date(std::chrono::system_clock::time_point at) {
  const std::time_t t = std::chrono::system_clock::to_time_t(at);
  std::tm tm{};
  gmtime_r(&t, &tm);
  static constexpr const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday % 7],
                tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
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
