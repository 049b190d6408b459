// Unnamed files (O_TMPFILE) created ahead of need, so that a spool writer, on the way to a group's
// 250s, only writes and links a file in. Creating the inode is a third of what placing a 1 KiB
// .eml costs the kernel (~10 of ~30 us, session 15); a thread of the lowest priority (SCHED_IDLE:
// it runs only on a CPU that nothing else wants) does it in the moments the machine would be idle,
// for example while every session waits for a flush. When the machine is busy the pool runs dry
// and the writer creates its files itself, as before: the pool never takes CPU from the sessions.
// A crash leaks the unnamed inodes it held (at most `capacity`), as it would leak files being
// placed; they are not in the directory.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>
#include <vector>

namespace bounceback::store {

class InodePool {
 public:
  // Starts the filling thread for unnamed files in the directory `dir_fd` (kept open by the
  // caller), unless `capacity` is 0.
  InodePool(int dir_fd, std::size_t capacity);
  // Stops the thread and closes the files still held (unnamed: they go with their descriptor).
  ~InodePool();
  InodePool(const InodePool&) = delete;
  InodePool& operator=(const InodePool&) = delete;

  // An unnamed file, open for writing, now owned by the caller; -1 when none is ready (or the
  // filler holds the pool: this never blocks).
  int take();

  // Files created so far (for tests).
  struct Stats {
    std::size_t created = 0;
  };
  Stats stats() const;

 private:
  void run();

  int dir_fd_;
  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable low_;  // the pool fell to half its capacity, or stopping
  std::vector<int> ready_;
  bool stopping_ = false;
  Stats stats_;
  std::thread thread_;
};

}  // namespace bounceback::store
