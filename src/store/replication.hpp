// --state: how the replicated capture (redis/capture_log.hpp) is doing, counted where it
// works and read by /metrics.
#pragma once

#include <atomic>
#include <cstdint>

namespace bounceback::store {

struct ReplicationCounters {
  std::atomic<std::uint64_t> published{0};    // entries this replica wrote to the stream
  std::atomic<std::uint64_t> received{0};     // other replicas' messages kept here
  std::atomic<std::uint64_t> removals{0};     // other replicas' deletes and clears applied
  std::atomic<std::uint64_t> attempts{0};     // other replicas' attempt log changes applied
  std::atomic<std::uint64_t> too_large{0};    // messages not published: over the size cap
  std::atomic<std::uint64_t> outbox_full{0};  // entries dropped: the outbox was full
  std::atomic<std::uint64_t> failed{0};       // writes Redis refused (an error reply)
  std::atomic<std::uint64_t> unreadable{0};   // stream entries skipped: malformed or newer
  std::atomic<std::uint64_t> outbox{0};       // entries not yet taken by Redis: queued or sent
  std::atomic<bool> up{false};                // both connections up
  std::atomic<std::uint64_t> replicas{0};     // other replicas whose streams are read
};

}  // namespace bounceback::store
