// SIGINT and SIGTERM for the `serve` verb, taken by a thread of its own with sigwait() rather
// than by a signal handler. Both are blocked in every thread of the process, so they never
// interrupt an event loop or a spool writer, and none depends on the thread it lands on: with
// Asio's handler, a TSan build with --threads 2 sometimes never handled a SIGTERM and never
// exited, every thread idle (3 stops in 500 beside a busy loop; none in 800 since, session
// 14; probably TSan deferring the handler on a thread that did not come back to it).
#pragma once

#include <atomic>
#include <csignal>
#include <functional>
#include <thread>

namespace bounceback::app {

class StopSignals {
 public:
  // Blocks SIGINT and SIGTERM in the calling thread, and so in every thread it starts from
  // now on (threads inherit the mask): construct it before any other thread exists. A signal
  // that arrives before start() waits, pending, until then.
  StopSignals();
  // Ends the waiting thread. The signals stay blocked: one still pending (a second SIGTERM
  // during shutdown) must not kill a process that is exiting cleanly.
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // Calls `stop` on the waiting thread at every SIGINT or SIGTERM from now on.
  void start(std::function<void()> stop);

 private:
  sigset_t set_;
  std::atomic<bool> ending_{false};  // the destructor's wake-up signal is not a stop
  std::thread thread_;
};

}  // namespace bounceback::app
