// The rule engine's settings: bounds of the stateful tables (greylist, attempts, quotas,
// rates) and of the attempt log, and how long an unused entry is remembered. Each table
// evicts its oldest or expired entries past its bound, so no client can grow it for ever.
#pragma once

#include <chrono>
#include <cstddef>

namespace bounceback::scenario {

struct Settings {
  // About 1M entries per table: more (client, sender, recipient) triplets than a test suite
  // makes, tens of MiB at most; the attempt log keeps the newest 100,000 RCPTs.
  std::size_t greylist_entries = 1 << 20;
  std::size_t attempt_entries = 1 << 20;
  std::size_t quota_entries = 1 << 20;
  std::size_t rate_entries = 1 << 20;
  std::size_t attempt_log_records = 100'000;
  // Attempt counters are forgotten after a week without attempts: a sender's retry schedule
  // rarely spans more (Postfix gives up after 5 days, maximal_queue_lifetime).
  std::chrono::milliseconds attempts_expire{std::chrono::hours(24 * 7)};
  // Bytes accepted per recipient (`quota`), forgotten after 30 days without mail.
  std::chrono::milliseconds quota_expire{std::chrono::hours(24 * 30)};
};

}  // namespace bounceback::scenario
