// Formatting of the Received header. Postfix's layout (one clause per folded line); no reverse
// DNS lookup (a test double should not wait on DNS), so the client is named by its address.
#include "smtp/received.hpp"

#include <array>
#include <cstring>

namespace bounceback::smtp {
namespace {

// The header as pieces of text, written straight into the message: no string is built for
// it, so prepending costs the shift of the body in its room (smtp/message_room.hpp), no copy.
class Pieces {
 public:
  void add(std::string_view text) { pieces_[n_++] = {text, false}; }
  // Client text: at most `limit` bytes, control characters (CR, LF, NUL, …) written as '?'.
  void client(std::string_view text, std::size_t limit) {
    pieces_[n_++] = {text.substr(0, limit), true};
  }
  std::size_t size() const {
    std::size_t total = 0;
    for (std::size_t i = 0; i < n_; ++i) total += pieces_[i].text.size();
    return total;
  }
  void write(char* out) const {
    for (std::size_t i = 0; i < n_; ++i) {
      const auto& [text, client] = pieces_[i];
      std::memcpy(out, text.data(), text.size());
      if (client)
        for (std::size_t j = 0; j < text.size(); ++j)
          if (static_cast<unsigned char>(out[j]) < 0x20 || out[j] == 0x7f) out[j] = '?';
      out += text.size();
    }
  }

 private:
  struct Piece {
    std::string_view text;
    bool client;
  };
  std::array<Piece, 24> pieces_{};
  std::size_t n_ = 0;
};

// Received: from HELO ([IP]) ... as documented in received.hpp; `date` must outlive `p`.
void received_pieces(Pieces& p, const AcceptedMessage& m, const DateText& date) {
  p.add("Received: from ");
  if (m.helo.empty())
    p.add("unknown");
  else
    p.client(m.helo, 255);
  p.add(" (");
  // RFC 5321 §4.1.3 address literal: "[192.0.2.1]", "[IPv6:2001:db8::1]".
  if (m.client_ip.empty()) {
    p.add("unknown");
  } else {
    p.add(m.client_ip.find(':') == std::string::npos ? "[" : "[IPv6:");
    p.client(m.client_ip, 64);
    p.add("]");
  }
  p.add(")\r\n");
  if (m.tls && !m.tls_version.empty()) {
    p.add("\t(using ");
    p.client(m.tls_version, 32);
    p.add(" with cipher ");
    p.client(m.tls_cipher, 64);
    p.add(")\r\n");
  }
  p.add("\tby ");
  p.client(m.server_hostname, 255);
  p.add(" (Bounceback) with ");
  p.add(with_protocol(m.esmtp, m.tls, !m.auth_user.empty(), m.lmtp));
  p.add(" id ");
  p.add(m.queue_id);
  // Only a single recipient is named: with several, naming one would disclose it to the others
  // (RFC 5321 §7.2), and Postfix does the same.
  if (m.rcpts.size() == 1) {
    p.add("\r\n\tfor <");
    p.client(m.rcpts.front().address, 320);
    p.add(">");
  }
  p.add("; ");
  p.add(date.view());
  p.add("\r\n");
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
  const DateText date = rfc5322_date_text(at);
  Pieces p;
  received_pieces(p, m, date);
  std::string out(p.size(), '\0');
  p.write(out.data());
  return out;
}

void prepend_received_header(AcceptedMessage& m, std::chrono::system_clock::time_point at) {
  const DateText date = rfc5322_date_text(at);
  Pieces p;
  received_pieces(p, m, date);
  const std::size_t size = p.size();
  m.data.insert(0, size, '\0');  // in the message's room: a shift, no new string
  p.write(m.data.data());
}

}  // namespace bounceback::smtp
