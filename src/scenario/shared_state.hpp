// The stateful tables kept outside the process (Redis, src/redis), so that replicas behind a
// load balancer share greylist entries, attempt counters, quotas and rate windows. The engine
// turns one event's stateful conditions into a StateRequest (data: keys are the same 64-bit
// hashes the tables in memory use) which the store evaluates atomically, in one round trip,
// as the tables in memory would, first matching rule wins (docs/scale-out.md).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "scenario/rule.hpp"
#include "scenario/sharded_table.hpp"

namespace bounceback::scenario {

// What the replica does when the store does not answer in time: `open` decides as without
// --state (the tables in its own memory), `closed` answers 451 4.3.0.
enum class StateFailure : std::uint8_t { open, closed };

struct StateRequest {
  TimePoint now;  // the engine's clock (which the API may have moved), not the store's
  // The attempt counters (table `attempts`): counted at rcpt and connect, read at data and
  // message (one per recipient of the transaction, in order).
  enum class Count : std::uint8_t { none, add, read } count = Count::none;
  std::vector<std::uint64_t> counters;
  std::chrono::milliseconds counter_idle{0};
  // Bytes accepted per recipient (table `quota`): the recipient at rcpt, else each one.
  std::vector<std::uint64_t> quotas;
  std::uint64_t size = 0;  // SIZE= at rcpt, the message's bytes at message
  // One candidate rule's stateful conditions (its stateless matchers held), in file order;
  // evaluated in order, each only if the ones before it did not hold, and within a rule
  // attempts, quota, rate_limit, greylist, stopping at the first that fails (as in memory).
  struct Check {
    std::optional<Range> attempts;
    std::uint32_t attempts_of = 0;  // 1-based index into counters; 0: any of them
    std::optional<std::uint64_t> quota;
    std::optional<RateLimitSpec> rate_limit;
    std::uint64_t rate_key = 0;
    std::optional<GreylistSpec> greylist;
    std::uint64_t triplet = 0;
  };
  std::vector<Check> checks;
};

struct StateAnswer {
  bool failed = false;                // no answer in time, or an error: see StateFailure
  std::string error;                  // for the log
  std::uint32_t matched = 0;          // 1-based index into checks of the rule that holds; 0: none
  std::uint32_t recipient = 0;        // 1-based: the recipient its attempts or quota looked at
  std::vector<std::uint64_t> counts;  // each counter's value, after counting
};

// One decision's round trip. `done` is called once, from any thread.
struct StateCall {
  StateRequest request;
  StateAnswer answer;
  std::function<void()> done;
};

// The store's health, for /metrics.
struct StateCounters {
  std::atomic<std::uint64_t> calls{0};     // decisions asked
  std::atomic<std::uint64_t> failures{0};  // not answered: the store down, an error, a timeout
  std::atomic<std::uint64_t> timeouts{0};  // of which not answered in time
  std::atomic<std::uint64_t> connects{0};  // connections made (reconnections after the first)
  std::atomic<bool> up{false};
};

class SharedState {
 public:
  virtual ~SharedState() = default;
  // Evaluates call->request into call->answer and calls call->done once, within the
  // store's timeout (a failure is an answer). Never blocks the caller.
  virtual void decide(std::shared_ptr<StateCall> call) = 0;
  // A message of `bytes` was accepted for these recipients (quota hashes): no answer awaited.
  virtual void add_quota(std::vector<std::uint64_t> rcpts, std::uint64_t bytes, TimePoint now,
                         std::chrono::milliseconds idle) = 0;
  // Forgets every entry under the deployment's prefix (DELETE /api/v1/state, reset).
  virtual void clear() = 0;
  virtual const StateCounters& counters() const = 0;
};

}  // namespace bounceback::scenario
