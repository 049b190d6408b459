// The trusted balancers (see sources.hpp).
#include "proxy/sources.hpp"

#include <algorithm>

namespace bounceback::proxy {

bool Sources::add(std::string_view cidr) {
  const auto parsed = scenario::parse_cidr(cidr);
  if (!parsed) return false;
  cidrs_.push_back(*parsed);
  texts_.emplace_back(cidr);
  return true;
}

bool Sources::contains(const scenario::IpBytes& ip) const {
  return std::any_of(cidrs_.begin(), cidrs_.end(), [&](const auto& c) { return c.contains(ip); });
}

std::string Sources::text() const {
  std::string out;
  for (const auto& t : texts_) out += (out.empty() ? "" : " ") + t;
  return out;
}

}  // namespace bounceback::proxy
