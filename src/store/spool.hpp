// Durable copies of accepted messages: DIR/<id>.eml (the exact bytes), written unnamed
// (O_TMPFILE, made ahead at idle priority when there is a moment: inode_pool.hpp; else under a
// temporary name) and linked (renamed) into place; and the envelope as one line of
// DIR/envelopes.jsonl. Writer threads (--store-threads, one by default) commit
// in groups: a free writer takes every message queued so far, writes their files and journal
// lines (one write), then writes the group to the write-ahead log (spool_log.hpp) and flushes
// that one file: one fdatasync() per group, and nothing else on the way to the 250. With
// several writers their flushes overlap; on this VM's virtio disk overlapping flushes queue
// behind each other (~0.65 ms each with four writers, ~0.33 ms with one), so the messages
// that arrive during one flush do better as the next group (docs/benchmarks.md, session 13).
// The files and lines reach the disk later, at a checkpoint (a syncfs() on a thread of
// its own, every checkpoint_bytes of log, while the writers go on in a second log); a restart
// replays the logs a crash left behind, so a message that got its 250 is never lost.
#pragma once

#include <array>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "smtp/message.hpp"
#include "store/flush_poller.hpp"
#include "store/inode_pool.hpp"
#include "store/spool_log.hpp"

namespace bounceback::store {

class Spool {
 public:
  static constexpr std::string_view journal_name = "envelopes.jsonl";

  // A message waiting for the writer. It lives with its waiter (no allocation) and must stay
  // put until `finish` is called, on the writer thread, with true once the message is durable
  // (its log record flushed) and its file and line are in place.
  struct Write {
    const smtp::AcceptedMessage* message = nullptr;
    void (*finish)(Write& self, bool ok) = nullptr;
    Write* next = nullptr;  // the writer's queue
    bool linked = false;    // the writer's: its file is in place and its line is in the group
  };

  struct Options {
    // Writer threads: group commits (flushes) in flight at once.
    unsigned writers = 1;
    // A log is checkpointed (and the writers move to the other one) once it holds this much.
    std::uint64_t checkpoint_bytes = 16u << 20;
    // Keep the writer's CPU from going idle while it waits for a flush (flush_poller.hpp).
    bool poll = false;
    // Unnamed files created ahead at idle priority (inode_pool.hpp); 0: none.
    std::size_t pooled_files = 64;
  };

  // Creates the directory and the journal if needed, replays the logs of servers that stopped
  // without removing theirs (a crash: their messages' files and lines are written again), and
  // starts the writer; throws std::runtime_error when the directory cannot be used.
  explicit Spool(std::filesystem::path dir) : Spool(std::move(dir), Options{}) {}
  Spool(std::filesystem::path dir, Options options);
  // Stops the writer (see stop()).
  ~Spool();
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  // Queues a message for the next group (thread-safe). After stop(), finishes it with false.
  void submit(Write& write);
  // The same without waking a writer: true when the queue was empty, and then the caller
  // calls wake() soon (an event loop, once it has served what is ready: the writer starts
  // with every message the loop queued meanwhile, and does not preempt it while it does).
  bool submit_quiet(Write& write);
  void wake() { queued_.notify_one(); }
  // Writes DIR/<queue_id>.eml and appends the envelope to the journal; true once the message
  // is durable, false on any I/O error. Blocks the calling thread for one group commit.
  bool write(const smtp::AcceptedMessage& message);
  // Finishes what is queued, stops the writer, checkpoints and removes the logs: call it
  // before the waiters go away. A write submitted afterwards fails at once.
  void stop();

  const std::filesystem::path& dir() const { return dir_; }
  // Messages written again from the logs of crashed servers when this one started.
  std::uint64_t recovered() const { return recovered_; }

  // What the writer did (read after stop(), or racily for a log line).
  struct Stats {
    std::uint64_t groups = 0, messages = 0, flush_us = 0, checkpoints = 0;
    std::uint64_t pooled = 0;  // files the writers took from the pool (inode_pool.hpp)
  };
  Stats stats() const;

 private:
  class Staged;
  struct Log {
    std::unique_ptr<SpoolLog> file;
    bool dirty = false;    // waits for (or is in) a checkpoint: no new group goes there
    unsigned writing = 0;  // groups being written to it
  };
  // A writer's buffers, reused from group to group.
  struct Batch {
    std::string lines;              // the group's journal lines
    std::vector<std::size_t> ends;  // where each linked message's line ends in lines
    std::vector<SpoolLog::Record> records;
    SpoolLog::Scratch scratch;
  };
  void recover();
  void run();
  std::size_t choose_log(std::unique_lock<std::mutex>& lock);
  void commit(Write* group, SpoolLog& log, Batch& batch);
  bool append(std::string_view lines);
  bool make_durable();  // syncfs + fsync of the directory
  void checkpoints();

  std::filesystem::path dir_;
  Options options_;
  int dir_fd_ = -1, journal_fd_ = -1;
  bool unnamed_ = false;      // O_TMPFILE and /proc/self/fd work here
  std::mutex journal_mutex_;  // guards the journal's appends and torn_
  bool torn_ = false;         // the journal may end inside a line: start the next one on a new line
  std::uint64_t recovered_ = 0;

  // Guards the queue, the stop flags, the logs' states, active_, epoch_ and stats_.
  mutable std::mutex mutex_;
  std::condition_variable queued_, checkpointed_, dirtied_;
  Write* head_ = nullptr;
  Write** tail_ = &head_;
  bool stopping_ = false, stopped_ = false, writers_done_ = false;
  std::array<Log, 2> logs_;
  std::size_t active_ = 0;  // the log new groups go to
  std::uint64_t epoch_ = 0;
  Stats stats_;
  FlushPoller poller_;
  std::unique_ptr<InodePool> pool_;  // when unnamed_
  std::vector<std::thread> writers_;
  std::thread checkpointer_;
};

}  // namespace bounceback::store
