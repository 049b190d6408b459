// Single-use, short-lived capabilities to view one message's HTML as a document of its own
// (GET /api/v1/messages/{id}/html?capability=...): the page's iframe cannot send the API token,
// so an authenticated POST issues one first (docs/api.md, "A message's HTML as a document").
// Each is 128 random bits (OpenSSL's RAND_bytes) as 32 hex digits, bound to one message and
// one variant (remote images or not), gone once presented, after `lifetime`, or when
// `capacity` newer ones were issued; compared in constant time.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace bounceback::api {

class HtmlCapabilities {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::size_t capacity = 64;
  static constexpr std::chrono::seconds lifetime{60};

  // A new capability for `message_id`; nullopt when the random source fails.
  std::optional<std::string> issue(std::string_view message_id, bool remote, Clock::time_point now);
  // Whether the capability allows remote images, when it is one issued for `message_id`, unused
  // and unexpired; nullopt otherwise. Presenting it uses it up, whatever the message asked.
  std::optional<bool> redeem(std::string_view capability, std::string_view message_id,
                             Clock::time_point now);

 private:
  struct Entry {
    std::string capability;
    std::string message_id;
    bool remote = false;
    Clock::time_point expires;
  };
  std::mutex mutex_;
  std::deque<Entry> entries_;  // oldest first
};

}  // namespace bounceback::api
