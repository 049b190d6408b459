// A small, strict IP parser (RFC 4291 §2.2 text forms) so the pure library needs no socket
// headers, and prefix matching on 128-bit addresses.
#include "scenario/cidr.hpp"

#include <cctype>

namespace bounceback::scenario {
namespace {

constexpr IpBytes v4_mapped_prefix{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0};

bool parse_v4(std::string_view s, std::uint8_t* out) {
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (s.empty() || s.front() != '.') return false;
      s.remove_prefix(1);
    }
    unsigned value = 0;
    std::size_t digits = 0;
    while (digits < s.size() && std::isdigit(static_cast<unsigned char>(s[digits]))) {
      value = value * 10 + static_cast<unsigned>(s[digits] - '0');
      if (++digits > 3 || value > 255) return false;
    }
    if (digits == 0 || (digits > 1 && s.front() == '0')) return false;  // no octal-looking parts
    out[part] = static_cast<std::uint8_t>(value);
    s.remove_prefix(digits);
  }
  return s.empty();
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Parses colon-separated groups into `groups` (at most `max` 16-bit words, an IPv4 tail counts
// as two); returns the number of words or -1.
int parse_groups(std::string_view s, std::uint16_t* groups, int max, bool allow_v4_tail) {
  int n = 0;
  if (s.empty()) return 0;
  for (;;) {
    const auto colon = s.find(':');
    const std::string_view g = s.substr(0, colon);
    if (colon == std::string_view::npos && allow_v4_tail && g.find('.') != std::string_view::npos) {
      std::uint8_t v4[4];
      if (n + 2 > max || !parse_v4(g, v4)) return -1;
      groups[n++] = static_cast<std::uint16_t>(v4[0] << 8 | v4[1]);
      groups[n++] = static_cast<std::uint16_t>(v4[2] << 8 | v4[3]);
      return n;
    }
    if (g.empty() || g.size() > 4 || n >= max) return -1;
    unsigned v = 0;
    for (char c : g) {
      const int h = hex_value(c);
      if (h < 0) return -1;
      v = v << 4 | static_cast<unsigned>(h);
    }
    groups[n++] = static_cast<std::uint16_t>(v);
    if (colon == std::string_view::npos) return n;
    s.remove_prefix(colon + 1);
  }
}

std::optional<IpBytes> parse_v6(std::string_view s) {
  std::uint16_t head[8], tail[8];
  int nh = 0, nt = 0;
  const auto gap = s.find("::");
  if (gap == std::string_view::npos) {
    nh = parse_groups(s, head, 8, true);
    if (nh != 8) return std::nullopt;
  } else {
    if (s.find("::", gap + 1) != std::string_view::npos) return std::nullopt;
    nh = parse_groups(s.substr(0, gap), head, 7, false);
    nt = parse_groups(s.substr(gap + 2), tail, 7, true);
    if (nh < 0 || nt < 0 || nh + nt > 7) return std::nullopt;
  }
  IpBytes ip{};
  for (int i = 0; i < nh; ++i) {
    ip[2 * i] = static_cast<std::uint8_t>(head[i] >> 8);
    ip[2 * i + 1] = static_cast<std::uint8_t>(head[i]);
  }
  for (int i = 0; i < nt; ++i) {
    const int at = 8 - nt + i;
    ip[2 * at] = static_cast<std::uint8_t>(tail[i] >> 8);
    ip[2 * at + 1] = static_cast<std::uint8_t>(tail[i]);
  }
  return ip;
}

}  // namespace

std::optional<IpBytes> parse_ip(std::string_view s) {
  if (s.find(':') != std::string_view::npos) return parse_v6(s);
  IpBytes ip = v4_mapped_prefix;
  if (!parse_v4(s, ip.data() + 12)) return std::nullopt;
  return ip;
}

bool Cidr::contains(const IpBytes& ip) const {
  const unsigned whole = prefix / 8, bits = prefix % 8;
  for (unsigned i = 0; i < whole; ++i)
    if (ip[i] != network[i]) return false;
  if (bits == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xff << (8 - bits));
  return (ip[whole] & mask) == (network[whole] & mask);
}

std::optional<Cidr> parse_cidr(std::string_view s) {
  const auto slash = s.find('/');
  const auto ip = parse_ip(s.substr(0, slash));
  if (!ip) return std::nullopt;
  const bool v4 = s.substr(0, slash).find(':') == std::string_view::npos;
  Cidr c;
  c.network = *ip;
  c.prefix = 128;
  if (slash != std::string_view::npos) {
    const std::string_view len = s.substr(slash + 1);
    if (len.empty() || len.size() > 3) return std::nullopt;
    unsigned v = 0;
    for (char ch : len) {
      if (!std::isdigit(static_cast<unsigned char>(ch))) return std::nullopt;
      v = v * 10 + static_cast<unsigned>(ch - '0');
    }
    if (v > (v4 ? 32u : 128u)) return std::nullopt;
    c.prefix = v4 ? v + 96 : v;
  }
  // Clear host bits so the prefix compares cleanly.
  for (unsigned i = 0; i < 16; ++i) {
    const unsigned bit = i * 8;
    if (bit >= c.prefix)
      c.network[i] = 0;
    else if (bit + 8 > c.prefix)
      c.network[i] &= static_cast<std::uint8_t>(0xff << (8 - (c.prefix - bit)));
  }
  return c;
}

}  // namespace bounceback::scenario
