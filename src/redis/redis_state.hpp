// The stateful tables in Redis (--state redis://...): scenario::SharedState carried out on a
// thread of its own with one hiredis connection. Each decision is one EVALSHA of the decide
// script (re-sent as EVAL when Redis answers NOSCRIPT), bounded by --state-timeout: a call
// not answered in time, or made while Redis is down, is a failure, logged and counted, and
// the engine decides per --state-failure. Never blocks the caller.
#pragma once

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "redis/client.hpp"
#include "scenario/shared_state.hpp"

namespace bounceback::redis {

class RedisState final : public scenario::SharedState {
 public:
  RedisState(Url url, std::string prefix, std::chrono::milliseconds timeout);
  ~RedisState() override;

  void start();  // the thread, and the first connection attempt
  void stop();

  void decide(std::shared_ptr<scenario::StateCall> call) override;
  void add_quota(std::vector<std::uint64_t> rcpts, std::uint64_t bytes, scenario::TimePoint now,
                 std::chrono::milliseconds idle) override;
  void clear() override;

  const scenario::StateCounters& counters() const override { return counters_; }

 private:
  struct Pending;
  void send(const Invocation& in, bool by_source, std::shared_ptr<Pending> pending);
  void fail(Pending& pending, std::string error, bool timed_out);

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  Client client_;
  std::string prefix_;
  std::chrono::milliseconds timeout_;
  scenario::StateCounters counters_;
  std::thread thread_;
  std::chrono::steady_clock::time_point last_warning_{};
};

}  // namespace bounceback::redis
