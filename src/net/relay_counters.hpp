// What became of the messages sent to --return-relay, for /metrics (no Asio here: the API
// reads it).
#pragma once

#include <atomic>
#include <cstdint>

namespace bounceback::net {

struct RelayCounters {
  std::atomic<std::uint64_t> delivered{0};  // the relay answered 250 to the data
  std::atomic<std::uint64_t> retried{0};    // attempts that got a 4xx or no answer, then retried
  std::atomic<std::uint64_t> failed{
      0};  // given up: a 5xx, the attempts spent, or too many in flight
  std::atomic<std::uint64_t> in_flight{0};
};

}  // namespace bounceback::net
