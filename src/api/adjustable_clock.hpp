// The scenario engine's clock in production: real time plus an offset that the HTTP API
// can move forward (POST /api/v1/clock/advance), so greylisting windows pass in a test.
#pragma once

#include <atomic>
#include <chrono>

#include "scenario/clock.hpp"

namespace bounceback::api {

class AdjustableClock final : public scenario::Clock {
 public:
  std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::now() +
           std::chrono::duration_cast<std::chrono::system_clock::duration>(offset());
  }
  void advance(std::chrono::milliseconds d) { offset_ms_ += d.count(); }
  std::chrono::milliseconds offset() const { return std::chrono::milliseconds(offset_ms_.load()); }

 private:
  std::atomic<std::int64_t> offset_ms_{0};
};

}  // namespace bounceback::api
