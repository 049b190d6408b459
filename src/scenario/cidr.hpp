// IP address prefixes ("10.0.0.0/8", "2001:db8::/32", "::1") and membership tests. IPv4 is
// held as IPv4-mapped IPv6 so "::ffff:127.0.0.1" and "127.0.0.1" are the same client.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace bounceback::scenario {

using IpBytes = std::array<std::uint8_t, 16>;

// Parses a textual IPv4 or IPv6 address (no zone id, no brackets).
std::optional<IpBytes> parse_ip(std::string_view text);

struct Cidr {
  IpBytes network{};
  unsigned prefix = 128;  // in IPv6 bits; an IPv4 /8 is stored as /104

  bool contains(const IpBytes& ip) const;
};

// "192.0.2.0/24", "2001:db8::/32", or a single address (a /32 or /128).
std::optional<Cidr> parse_cidr(std::string_view text);

}  // namespace bounceback::scenario
