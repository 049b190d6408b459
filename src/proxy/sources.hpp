// The peers allowed to send a PROXY header (--proxy-from CIDR, repeatable): the load
// balancers. An empty list trusts every peer (each must then send one).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "scenario/cidr.hpp"

namespace bounceback::proxy {

class Sources {
 public:
  // "10.0.0.0/8", "2001:db8::/32" or one address; false when `cidr` is none of these.
  bool add(std::string_view cidr);
  bool empty() const { return cidrs_.empty(); }
  // `ip`: 16 bytes, an IPv4 address mapped into IPv6 (::ffff:a.b.c.d).
  bool contains(const scenario::IpBytes& ip) const;
  // The CIDRs as given, space-separated (--help's default column).
  std::string text() const;

 private:
  std::vector<scenario::Cidr> cidrs_;
  std::vector<std::string> texts_;
};

}  // namespace bounceback::proxy
