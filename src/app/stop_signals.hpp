// SIGINT and SIGTERM for the `serve` verb, taken by a thread of its own with sigwait() rather
// than by a signal handler. Both are blocked in every thread of the process, so they never
// interrupt an event loop or a spool writer, and none can be lost where it lands: under
// ThreadSanitizer a handler for a signal that reached a thread blocked in an intercepted call
// was sometimes never run, and the server never stopped (1 SIGTERM in ~60, session 14).
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
