// Counts the open connections of each client address, so one address cannot take every
// slot (--max-connections-per-ip). Thread-safe; an entry lives only while it is non-zero,
// so the map is bounded by the open connections themselves.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

namespace bounceback::net {

class AddressLimit {
 public:
  // Takes a slot for `address`; false (and nothing taken) when it already holds `max`.
  // max == 0 means no limit.
  bool acquire(const std::string& address, std::size_t max);
  void release(const std::string& address);

  // One slot, released when it goes out of scope (also when a coroutine unwinds).
  class Slot {
   public:
    Slot(AddressLimit& limit, std::string address, std::size_t max)
        : limit_(limit), address_(std::move(address)), held_(limit.acquire(address_, max)) {}
    ~Slot() {
      if (held_) limit_.release(address_);
    }
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    explicit operator bool() const { return held_; }

   private:
    AddressLimit& limit_;
    std::string address_;
    bool held_;
  };

 private:
  std::mutex mutex_;
  std::unordered_map<std::string, std::size_t> open_;
};

}  // namespace bounceback::net
