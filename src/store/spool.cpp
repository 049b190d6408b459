// The spool: writer threads; per group, each .eml written unnamed and linked, the envelopes
// appended to the journal in one write, the group logged and flushed once; a checkpointer
// thread that makes a full log's files durable and hands the log back (spool.hpp).
#include "store/spool.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <semaphore>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "store/spool_files.hpp"

namespace bounceback::store {

Spool::Spool(std::filesystem::path dir, Options options)
    : dir_(std::move(dir)), options_(options), poller_(options.poll) {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  dir_fd_ = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd_ < 0)
    throw std::runtime_error("cannot open store directory " + dir_.string() + ": " +
                             std::generic_category().message(errno));
  // Unnamed files need O_TMPFILE in this filesystem and /proc to link them by descriptor.
  const int probe = ::openat(dir_fd_, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
  if (probe >= 0) {
    unnamed_ = ::access("/proc/self/fd", X_OK) == 0;
    ::close(probe);
  }
  const std::string journal(journal_name);  // read too: its last byte is checked below
  journal_fd_ = ::openat(dir_fd_, journal.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (journal_fd_ < 0) {
    const int err = errno;
    ::close(dir_fd_);
    throw std::runtime_error("cannot open envelope journal " + (dir_ / journal).string() + ": " +
                             std::generic_category().message(err));
  }
  // A crash (or a full disk) may have cut the last line short: never glue a line onto it.
  const off_t size = ::lseek(journal_fd_, 0, SEEK_END);
  char last = '\n';
  torn_ = size > 0 && (::pread(journal_fd_, &last, 1, size - 1) != 1 || last != '\n');
  try {
    recover();
    // Named after this process, hidden (a leading dot), locked while it runs.
    const auto tag = static_cast<unsigned long long>(
        std::chrono::steady_clock::now().time_since_epoch().count() & 0xffffffffff);
    for (std::size_t i = 0; i < logs_.size(); ++i) {
      char name[80];
      std::snprintf(name, sizeof name, ".%d-%llx-%zu%s", static_cast<int>(::getpid()), tag, i,
                    SpoolLog::suffix.data());
      logs_[i].file = std::make_unique<SpoolLog>(dir_fd_, name, ++epoch_);
    }
  } catch (...) {
    for (auto& log : logs_)
      if (log.file) log.file->remove();
    ::close(journal_fd_);
    ::close(dir_fd_);
    throw;
  }
  if (unnamed_ && options_.pooled_files > 0)
    pool_ = std::make_unique<InodePool>(dir_fd_, options_.pooled_files);
  // Named for top -H, perf and bench/spool-cost.sh, which reads each thread's CPU from /proc.
  for (unsigned i = 0; i < std::max(1u, options_.writers); ++i)
    writers_.emplace_back([this] {
      ::pthread_setname_np(::pthread_self(), "bb-spool-write");
      run();
    });
  checkpointer_ = std::thread([this] {
    ::pthread_setname_np(::pthread_self(), "bb-spool-ckpt");
    checkpoints();
  });
}

Spool::~Spool() {
  stop();
  ::close(journal_fd_);
  ::close(dir_fd_);
}

void Spool::submit(Write& w) {
  if (submit_quiet(w)) wake();  // else a writer was woken already, or all are busy
}

bool Spool::submit_quiet(Write& w) {
  w.next = nullptr;
  bool first = false, refused = false;
  {
    std::lock_guard lock(mutex_);
    refused = stopping_;
    if (!refused) {
      first = head_ == nullptr;
      *tail_ = &w;
      tail_ = &w.next;
    }
  }
  if (refused) w.finish(w, false);
  return first;
}

bool Spool::write(const smtp::AcceptedMessage& m) {
  struct Blocking : Write {
    std::binary_semaphore done{0};
    bool ok = false;
  } w;
  w.message = &m;
  w.finish = [](Write& self, bool ok) {
    auto& b = static_cast<Blocking&>(self);
    b.ok = ok;
    b.done.release();
  };
  submit(w);
  w.done.acquire();
  return w.ok;
}

void Spool::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    stopped_ = stopping_ = true;
  }
  queued_.notify_all();
  for (auto& writer : writers_) writer.join();
  pool_.reset();  // its thread uses dir_fd_
  {
    std::lock_guard lock(mutex_);
    writers_done_ = true;
  }
  dirtied_.notify_all();
  checkpointer_.join();
  // Everything the logs cover made durable on its own: nothing left to replay.
  if (make_durable())
    for (auto& log : logs_) log.file->remove();
}

Spool::Stats Spool::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

// A writer: each group is what was queued while the writers were busy, so under load one
// flush covers many messages, and a lone message waits for one flush only.
void Spool::run() {
  Batch batch;
  for (;;) {
    Write* group = nullptr;
    std::size_t which = 0;
    {
      std::unique_lock lock(mutex_);
      queued_.wait(lock, [&] { return head_ != nullptr || stopping_; });
      if (!head_) return;  // stopping, and everything queued is finished
      group = std::exchange(head_, nullptr);
      tail_ = &head_;
      which = choose_log(lock);
      ++logs_[which].writing;
    }
    commit(group, *logs_[which].file, batch);
    std::lock_guard lock(mutex_);
    if (--logs_[which].writing == 0 && logs_[which].dirty) dirtied_.notify_all();
  }
}

// The log for the next group: the active one, unless it is full; then it goes to the
// checkpointer and the other one, once clean, becomes the active one.
std::size_t Spool::choose_log(std::unique_lock<std::mutex>& lock) {
  for (;;) {
    auto& log = logs_[active_];
    if (!log.dirty && log.file->size() < options_.checkpoint_bytes) return active_;
    if (!log.dirty) {
      log.dirty = true;
      dirtied_.notify_all();
      active_ = 1 - active_;
      continue;
    }
    checkpointed_.wait(lock);  // both full: the disk is slower than the messages come
  }
}

void Spool::commit(Write* group, SpoolLog& log, Batch& batch) {
  // Each .eml is written and linked in, and its line added once it is linked, so no line
  // names a file that failed; the lines go in one write. None of that is flushed: the group's
  // log records (the same ids, lines and bytes) are, with one fdatasync(). A crash before that
  // flush ends can leave some files or lines of the group, but none of those messages had its
  // 250; after it, a restart writes them all again from the log.
  batch.lines.clear();
  batch.ends.clear();
  batch.records.clear();
  std::uint64_t count = 0, pooled = 0;
  for (Write* w = group; w; w = w->next) {
    const auto& m = *w->message;
    const int file = pool_ ? pool_->take() : -1;
    pooled += file >= 0;
    w->linked = spool_files::place(dir_fd_, unnamed_, m.queue_id, m.data, file);
    if (!w->linked) continue;
    spool_files::append_envelope(batch.lines, m);
    batch.ends.push_back(batch.lines.size());
    ++count;
  }
  bool durable = count > 0 && append(batch.lines);
  if (durable) {
    std::size_t i = 0, begin = 0;
    for (Write* w = group; w; w = w->next)
      if (w->linked) {
        batch.records.push_back({w->message->queue_id,
                                 std::string_view(batch.lines).substr(begin, batch.ends[i] - begin),
                                 w->message->data});
        begin = batch.ends[i++];
      }
    const auto started = std::chrono::steady_clock::now();
    poller_.begin();
    durable = log.append(batch.records, batch.scratch) && log.flush();
    poller_.end();
    const auto took = std::chrono::steady_clock::now() - started;
    std::lock_guard lock(mutex_);
    ++stats_.groups;
    stats_.messages += count;
    stats_.pooled += pooled;
    stats_.flush_us += static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(took).count());
  }
  batch.records.clear();
  for (Write* w = group; w;) {
    Write* next = w->next;  // `w` may be gone once finished
    w->finish(*w, durable && w->linked);
    w = next;
  }
}

// The checkpointer: makes the files and lines a full log covers durable on their own, once no
// group is being written to it, then starts that log over under a new epoch (its old records
// can no longer be replayed).
void Spool::checkpoints() {
  std::unique_lock lock(mutex_);
  auto ready = [&]() -> Log* {
    for (auto& log : logs_)
      if (log.dirty && log.writing == 0) return &log;
    return nullptr;
  };
  for (;;) {
    dirtied_.wait(lock, [&] { return writers_done_ || ready(); });
    Log* dirty = ready();
    if (!dirty) return;  // the writers are gone: stop() makes the rest durable
    const std::uint64_t epoch = ++epoch_;
    lock.unlock();
    // On a failure the log stays dirty and is tried again: the writers wait rather than
    // overwrite records whose files may not be on disk.
    const bool done = make_durable() && dirty->file->reset(epoch);
    lock.lock();
    if (done) {
      dirty->dirty = false;
      ++stats_.checkpoints;
      checkpointed_.notify_all();
    } else if (writers_done_) {
      return;  // stop() tries once more
    } else {
      dirtied_.wait_for(lock, std::chrono::seconds(1));
    }
  }
}

// syncfs() writes back the whole filesystem but flushes the disk's write cache before its
// last step (ext4 without a journal writes its inode and directory blocks then): the fsync()
// of the directory after it, with nothing left to write, flushes the cache once more.
bool Spool::make_durable() {
  return ::syncfs(dir_fd_) == 0 && ::fsync(dir_fd_) == 0 && ::fdatasync(journal_fd_) == 0;
}

bool Spool::append(std::string_view lines) {
  std::lock_guard lock(journal_mutex_);
  // One write() for the group: O_APPEND places it whole at the end, also between the lines of
  // other processes sharing the directory (on a local filesystem: Linux does not interleave
  // writes to one file; NFS does not honour O_APPEND). A short write (a full disk) leaves a
  // fragment: the next line starts on a new line, and readers skip what is not JSON.
  if (torn_ && ::write(journal_fd_, "\n", 1) != 1) return false;
  torn_ = false;
  ssize_t n;
  do n = ::write(journal_fd_, lines.data(), lines.size());
  while (n < 0 && errno == EINTR);
  if (n != static_cast<ssize_t>(lines.size())) {
    torn_ = n > 0;
    return false;
  }
  return true;
}

}  // namespace bounceback::store
