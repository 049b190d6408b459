// Issuing and redeeming the capabilities of a message's HTML view.
#include "api/html_capabilities.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

namespace bounceback::api {

std::optional<std::string> HtmlCapabilities::issue(std::string_view message_id, bool remote,
                                                   Clock::time_point now) {
  unsigned char bits[16];
  if (RAND_bytes(bits, sizeof bits) != 1) return std::nullopt;
  static constexpr char hex[] = "0123456789abcdef";
  std::string capability;
  for (const unsigned char b : bits) {
    capability += hex[b >> 4];
    capability += hex[b & 15];
  }
  std::lock_guard lock(mutex_);
  while (!entries_.empty() && (entries_.size() >= capacity || entries_.front().expires <= now))
    entries_.pop_front();
  entries_.push_back({capability, std::string(message_id), remote, now + lifetime});
  return capability;
}

std::optional<bool> HtmlCapabilities::redeem(std::string_view capability,
                                             std::string_view message_id, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    const bool same =
        it->capability.size() == capability.size() &&
        CRYPTO_memcmp(it->capability.data(), capability.data(), capability.size()) == 0;
    if (!same) continue;
    const Entry entry = std::move(*it);
    entries_.erase(it);
    if (entry.expires <= now || entry.message_id != message_id) return std::nullopt;
    return entry.remote;
  }
  return std::nullopt;
}

}  // namespace bounceback::api
