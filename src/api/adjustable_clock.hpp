// The scenario engine's clock in production: real time plus an offset that the HTTP API
// can move forward (POST /api/v1/clock/advance), so greylisting windows pass in a test.
#pragma once

#include <atomic>
#include <chrono>

#include "scenario/clock.hpp"
#include "scenario/units.hpp"

namespace bounceback::api {

class AdjustableClock final : public scenario::Clock {
 public:
  // The total offset is bounded like any duration (100 years): now + offset + a scenario
  // duration then always fits the int64 nanoseconds of a time point (24 advances of 3650
  // days once wrapped the clock to 1682).
  static constexpr std::chrono::milliseconds max_offset = scenario::max_duration;

  std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::now() +
           std::chrono::duration_cast<std::chrono::system_clock::duration>(offset());
  }
  // Moves the clock forward by `d` (>= 0); false, and no move, when the total would pass
  // max_offset.
  bool advance(std::chrono::milliseconds d) {
    std::int64_t current = offset_ms_.load();
    do {
      if (d.count() < 0 || d > max_offset - std::chrono::milliseconds(current)) return false;
    } while (!offset_ms_.compare_exchange_weak(current, current + d.count()));
    return true;
  }
  std::chrono::milliseconds offset() const { return std::chrono::milliseconds(offset_ms_.load()); }

 private:
  std::atomic<std::int64_t> offset_ms_{0};
};

}  // namespace bounceback::api
