// PROXY protocol v1 and v2 (see header.hpp). Strict where the specification is: v1's single
// spaces, CRLF and 107-byte bound; v2's signature, version and address block lengths. TLVs
// after the addresses are skipped unread.
#include "proxy/header.hpp"

#include <array>
#include <charconv>
#include <cstring>

#include "scenario/cidr.hpp"

namespace bounceback::proxy {
namespace {

constexpr std::string_view v1_prefix = "PROXY ";
constexpr std::string_view v2_signature{"\r\n\r\n\0\r\nQUIT\n", 12};

Result invalid(std::string_view why) {
  Result r;
  r.status = Status::invalid;
  r.error = why;
  return r;
}
Result incomplete() {
  return {};
}

// Whether `bytes` begins like `prefix` as far as it goes.
bool starts_like(std::string_view bytes, std::string_view prefix) {
  const auto n = std::min(bytes.size(), prefix.size());
  return bytes.substr(0, n) == prefix.substr(0, n);
}

std::string format_v4(const std::uint8_t* b) {
  std::string out;
  for (int i = 0; i < 4; ++i) out += (i ? "." : "") + std::to_string(b[i]);
  return out;
}

// As inet_ntop prints it (what net's addresses print): lower-case hex, the longest run of
// two or more zero groups (the first of equals) as "::", an IPv4-mapped address dotted.
std::string format_v6(const std::uint8_t* b) {
  static constexpr std::uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(b, mapped, 12) == 0) return "::ffff:" + format_v4(b + 12);
  std::array<unsigned, 8> g{};
  for (int i = 0; i < 8; ++i) g[i] = static_cast<unsigned>(b[2 * i] << 8 | b[2 * i + 1]);
  int best = -1, best_len = 1;
  for (int i = 0; i < 8;) {
    int j = i;
    while (j < 8 && g[j] == 0) ++j;
    if (j - i > best_len) best = i, best_len = j - i;
    i = j == i ? i + 1 : j;
  }
  std::string out;
  char hex[8];
  for (int i = 0; i < 8; ++i) {
    if (i == best) {
      out += "::";
      i += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    const auto end = std::to_chars(hex, hex + sizeof hex, g[i], 16).ptr;
    out.append(hex, end);
  }
  return out;
}

bool parse_port(std::string_view text, std::uint16_t& port) {
  unsigned value = 0;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || p != text.data() + text.size() || text.size() > 5 || value > 65535)
    return false;
  port = static_cast<std::uint16_t>(value);
  return true;
}

// "PROXY TCP4 192.0.2.1 198.51.100.1 56324 25\r\n", "PROXY TCP6 ...", "PROXY UNKNOWN ...".
Result parse_v1(std::string_view bytes) {
  const auto lf = bytes.substr(0, v1_max).find('\n');
  if (lf == std::string_view::npos)
    return bytes.size() >= v1_max ? invalid("a v1 header longer than 107 bytes") : incomplete();
  if (lf == 0 || bytes[lf - 1] != '\r') return invalid("a v1 header not ended by CRLF");
  std::string_view line = bytes.substr(v1_prefix.size(), lf - 1 - v1_prefix.size());
  Result r;
  r.status = Status::complete;
  r.header.version = 1;
  r.header.length = lf + 1;
  if (line == "UNKNOWN" || line.starts_with("UNKNOWN ")) {
    r.header.local = true;  // anything may follow; the connection's own addresses stand
    return r;
  }
  std::array<std::string_view, 5> f;
  std::size_t n = 0;
  for (;;) {
    const auto space = line.find(' ');
    if (n == f.size()) return invalid("a v1 header with too many fields");
    f[n++] = line.substr(0, space);
    if (space == std::string_view::npos) break;
    line.remove_prefix(space + 1);
  }
  const bool v6 = f[0] == "TCP6";
  if (!v6 && f[0] != "TCP4") return invalid("a v1 header with a protocol other than TCP4, TCP6");
  if (n != 5) return invalid("a v1 header without its four addresses and ports");
  for (std::size_t i : {1, 2}) {
    const bool colon = f[i].find(':') != std::string_view::npos;
    if (colon != v6 || !scenario::parse_ip(f[i])) return invalid("a v1 header with a bad address");
  }
  std::uint16_t destination_port = 0;
  if (!parse_port(f[3], r.header.client_port) || !parse_port(f[4], destination_port))
    return invalid("a v1 header with a bad port");
  const auto ip = *scenario::parse_ip(f[1]);
  r.header.client_ip = v6 ? format_v6(ip.data()) : format_v4(ip.data() + 12);
  return r;
}

Result parse_v2(std::string_view bytes) {
  if (bytes.size() < v2_fixed) return incomplete();
  const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(bytes[i]); };
  if (byte(12) >> 4 != 2) return invalid("a v2 header of another version");
  const unsigned command = byte(12) & 0xf;
  if (command > 1) return invalid("a v2 header with an unknown command");
  const unsigned family = byte(13) >> 4, transport = byte(13) & 0xf;
  if (family > 3 || transport > 2) return invalid("a v2 header with an unknown address family");
  const std::size_t length = static_cast<std::size_t>(byte(14)) << 8 | byte(15);
  if (length > v2_max_payload) return invalid("a v2 header longer than 2064 bytes");
  if (bytes.size() < v2_fixed + length) return incomplete();
  Result r;
  r.status = Status::complete;
  r.header.version = 2;
  r.header.length = v2_fixed + length;
  const auto* a = reinterpret_cast<const std::uint8_t*>(bytes.data()) + v2_fixed;
  // LOCAL: the balancer speaking for itself (health checks). Families other than IPv4 and
  // IPv6 (unspecified, UNIX): the connection's own addresses stand, as the specification
  // asks of a receiver that does not use them.
  if (command == 0 || (family != 1 && family != 2)) {
    r.header.local = true;
    return r;
  }
  const std::size_t block = family == 1 ? 12 : 36, size = family == 1 ? 4 : 16;
  if (length < block) return invalid("a v2 header shorter than its addresses");
  r.header.client_ip = family == 1 ? format_v4(a) : format_v6(a);
  r.header.client_port = static_cast<std::uint16_t>(a[2 * size] << 8 | a[2 * size + 1]);
  return r;
}

}  // namespace

Result parse(std::string_view bytes) {
  if (bytes.empty()) return incomplete();
  if (starts_like(bytes, v2_signature)) return parse_v2(bytes);
  if (starts_like(bytes, v1_prefix)) {
    if (bytes.size() <= v1_prefix.size()) return incomplete();
    return parse_v1(bytes);
  }
  return invalid("not a PROXY protocol header");
}

}  // namespace bounceback::proxy
