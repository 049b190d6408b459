// The per-address connection counter (see address_limit.hpp).
#include "net/address_limit.hpp"

namespace bounceback::net {

bool AddressLimit::acquire(const std::string& address, std::size_t max) {
  std::lock_guard lock(mutex_);
  auto& n = open_[address];
  if (max != 0 && n >= max) {
    if (n == 0) open_.erase(address);
    return false;
  }
  ++n;
  return true;
}

void AddressLimit::release(const std::string& address) {
  std::lock_guard lock(mutex_);
  const auto it = open_.find(address);
  if (it != open_.end() && --it->second == 0) open_.erase(it);
}

}  // namespace bounceback::net
