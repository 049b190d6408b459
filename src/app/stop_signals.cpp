// SIGINT and SIGTERM taken with sigwait() (see stop_signals.hpp).
#include "app/stop_signals.hpp"

#include <pthread.h>

namespace bounceback::app {

StopSignals::StopSignals() {
  sigemptyset(&set_);
  sigaddset(&set_, SIGINT);
  sigaddset(&set_, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set_, nullptr);
}

StopSignals::~StopSignals() {
  if (!thread_.joinable()) return;
  ending_ = true;
  pthread_kill(thread_.native_handle(), SIGTERM);
  thread_.join();
}

void StopSignals::start(std::function<void()> stop) {
  thread_ = std::thread([this, stop = std::move(stop)] {
    pthread_setname_np(pthread_self(), "bb-signals");
    for (;;) {
      int signal = 0;
      if (sigwait(&set_, &signal) != 0) continue;
      if (ending_) return;
      stop();
    }
  });
}

}  // namespace bounceback::app
