// Unnamed files created ahead of need at idle priority (see inode_pool.hpp).
#include "store/inode_pool.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <chrono>

namespace bounceback::store {

InodePool::InodePool(int dir_fd, std::size_t capacity) : dir_fd_(dir_fd), capacity_(capacity) {
  if (capacity_ == 0) return;
  ready_.reserve(capacity_);
  thread_ = std::thread([this] {
    ::pthread_setname_np(::pthread_self(), "bb-spool-pool");
    // Any thread may lower its own priority; should it fail, the pool stays empty rather
    // than compete with the writers for a CPU.
    const sched_param none{};
    if (::sched_setscheduler(0, SCHED_IDLE, &none) == 0) run();
  });
}

InodePool::~InodePool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  low_.notify_all();
  if (thread_.joinable()) thread_.join();
  for (int fd : ready_) ::close(fd);
}

int InodePool::take() {
  if (capacity_ == 0) return -1;
  // Never wait for the filler: at idle priority it can be preempted while it holds the lock,
  // and get a CPU again only when the machine is idle. A writer that finds the lock taken
  // creates its file itself.
  std::unique_lock lock(mutex_, std::try_to_lock);
  if (!lock.owns_lock() || ready_.empty()) return -1;
  const int fd = ready_.back();
  ready_.pop_back();
  // One wake-up per half a pool, not per file: the filler then tops it up in one go.
  const bool wake = ready_.size() == capacity_ / 2;
  lock.unlock();
  if (wake) low_.notify_one();
  return fd;
}

InodePool::Stats InodePool::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void InodePool::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    low_.wait(lock, [&] { return stopping_ || ready_.size() <= capacity_ / 2; });
    while (!stopping_ && ready_.size() < capacity_) {
      lock.unlock();
      const int fd = ::openat(dir_fd_, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
      lock.lock();
      if (fd < 0) break;  // a full disk or out of inodes: the writers create (and fail) themselves
      ready_.push_back(fd);
      ++stats_.created;
    }
    if (stopping_) return;
    if (ready_.size() < capacity_) low_.wait_for(lock, std::chrono::seconds(1));
  }
}

}  // namespace bounceback::store
