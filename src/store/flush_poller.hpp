// Keeps the CPU of a thread that waits for the disk from going idle. In a VM whose idle vCPUs
// halt (no guest halt-polling, as in Firecracker), waking a halted vCPU can take a host timer
// tick: an fdatasync() that the disk completes in ~0.15 ms returned after ~4 ms when the
// waiting thread's vCPU had halted, and every session waiting for its 250 waited as long.
// While a flush is in flight, a thread of the lowest priority (SCHED_IDLE: it runs only where
// nothing else wants the CPU) spins on the waiter's CPU, so the completion finds it awake.
#pragma once

#include <atomic>
#include <thread>

namespace bounceback::store {

class FlushPoller {
 public:
  // Starts the polling thread, unless `enabled` is false.
  explicit FlushPoller(bool enabled);
  ~FlushPoller();
  FlushPoller(const FlushPoller&) = delete;
  FlushPoller& operator=(const FlushPoller&) = delete;

  // The calling thread is about to wait for the disk: keep its CPU busy until its end(), or
  // that of the last thread that called begin() (thread-safe).
  void begin();
  void end();

 private:
  void run();

  static constexpr int stopping = 1 << 30;
  std::atomic<int> waiting_{0};    // threads between begin() and end(), or stopping
  std::atomic<int> cpu_{-1};       // the CPU of the last begin()
  std::atomic<bool> idle_{false};  // polling at SCHED_IDLE (false: disabled or not allowed)
  std::thread thread_;
};

}  // namespace bounceback::store
