// The flush poller (see flush_poller.hpp): one thread at SCHED_IDLE, pinned to the CPU of the
// thread that waits, spinning at most max_spin per wait.
#include "store/flush_poller.hpp"

#include <pthread.h>
#include <sched.h>

#include <chrono>

namespace bounceback::store {
namespace {

// A flush that takes longer is a slow disk, not a halted vCPU: stop spinning and sleep.
constexpr auto max_spin = std::chrono::milliseconds(20);

void relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

}  // namespace

FlushPoller::FlushPoller(bool enabled) {
  idle_.store(enabled);
  if (enabled) thread_ = std::thread([this] { run(); });
}

FlushPoller::~FlushPoller() {
  if (!thread_.joinable()) return;
  waiting_.store(stopping);
  waiting_.notify_one();
  thread_.join();
}

void FlushPoller::begin() {
  if (!idle_.load(std::memory_order_relaxed)) return;
  cpu_.store(::sched_getcpu(), std::memory_order_relaxed);
  if (waiting_.fetch_add(1) == 0) waiting_.notify_one();
}

void FlushPoller::end() {
  if (idle_.load(std::memory_order_relaxed)) waiting_.fetch_sub(1);
}

void FlushPoller::run() {
  ::pthread_setname_np(::pthread_self(), "bb-spool-poll");
  // Only at the lowest priority: where it cannot have it, spinning would take CPU from real
  // work, so the poller does nothing.
  sched_param param{};
  if (::sched_setscheduler(0, SCHED_IDLE, &param) != 0) {
    idle_.store(false);
    for (int w = waiting_.load(); w < stopping; w = waiting_.load()) waiting_.wait(w);
    return;
  }
  int pinned = -1;
  for (;;) {
    int waiting = waiting_.load();
    if (waiting >= stopping) return;
    if (waiting == 0) {
      waiting_.wait(0);
      continue;
    }
    const int cpu = cpu_.load(std::memory_order_relaxed);
    if (cpu >= 0 && cpu != pinned) {
      cpu_set_t set;
      CPU_ZERO(&set);
      CPU_SET(cpu, &set);
      if (::sched_setaffinity(0, sizeof set, &set) == 0) pinned = cpu;
    }
    const auto until = std::chrono::steady_clock::now() + max_spin;
    while ((waiting = waiting_.load(std::memory_order_relaxed)) > 0 && waiting < stopping &&
           cpu_.load(std::memory_order_relaxed) == cpu && std::chrono::steady_clock::now() < until)
      relax();
    // A slow disk: sleep until the waiters change.
    if (waiting > 0 && waiting < stopping && cpu_.load(std::memory_order_relaxed) == cpu &&
        std::chrono::steady_clock::now() >= until)
      waiting_.wait(waiting);
  }
}

}  // namespace bounceback::store
