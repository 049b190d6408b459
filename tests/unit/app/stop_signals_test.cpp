// StopSignals: SIGINT and SIGTERM sent to the process reach the stop callback on the signals'
// own thread (sigwait), not a handler on whichever thread the kernel picks; the destructor
// ends that thread without a stop and leaves the signals blocked.
#include "app/stop_signals.hpp"

#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <thread>

using namespace bounceback;

namespace {

bool eventually(const std::atomic<int>& value, int expected) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (value != expected && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return value == expected;
}

bool blocked(int signal) {
  sigset_t now;
  pthread_sigmask(SIG_BLOCK, nullptr, &now);
  return sigismember(&now, signal) == 1;
}

}  // namespace

TEST_CASE("SIGTERM and SIGINT to the process call stop, on the signals' thread") {
  std::atomic<int> stops{0};
  std::atomic<bool> on_main{false};
  const auto main_thread = std::this_thread::get_id();
  {
    app::StopSignals signals;
    CHECK(blocked(SIGTERM));
    CHECK(blocked(SIGINT));
    // A thread started now inherits the mask: a process-directed signal cannot land on it.
    std::thread worker([] { CHECK(blocked(SIGTERM)); });
    worker.join();
    kill(getpid(), SIGTERM);  // before start(): pending, taken once the thread waits
    signals.start([&] {
      on_main = on_main || std::this_thread::get_id() == main_thread;
      ++stops;
    });
    CHECK(eventually(stops, 1));
    kill(getpid(), SIGINT);
    CHECK(eventually(stops, 2));
  }
  CHECK(stops == 2);
  CHECK_FALSE(on_main);
  CHECK(blocked(SIGTERM));  // the destructor does not unblock: a pending one would kill us
}

TEST_CASE("the destructor ends the signals' thread without calling stop") {
  std::atomic<int> stops{0};
  {
    app::StopSignals signals;
    signals.start([&] { ++stops; });
  }
  CHECK(stops == 0);
}
