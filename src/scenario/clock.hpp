// The time source of the stateful tables, injected so tests (ManualClock) and the HTTP API's
// fast-forward can move time; the protocol library never reads the real clock itself.
#pragma once

#include <atomic>
#include <chrono>

namespace bounceback::scenario {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::system_clock::time_point now() const = 0;
};

// A clock that only moves when told to; thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::chrono::system_clock::time_point start =
                           std::chrono::system_clock::time_point{std::chrono::hours(24 * 365 * 54)})
      : ns_(std::chrono::duration_cast<std::chrono::nanoseconds>(start.time_since_epoch())
                .count()) {}

  std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::time_point{
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::nanoseconds(ns_.load()))};
  }
  void advance(std::chrono::nanoseconds d) { ns_ += d.count(); }
  void set(std::chrono::system_clock::time_point t) {
    ns_ = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  }

 private:
  std::atomic<std::int64_t> ns_;
};

}  // namespace bounceback::scenario
