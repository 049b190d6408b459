// Durable copies of accepted messages as .eml files: written unnamed (O_TMPFILE; else under
// a temporary name), fsynced, linked (renamed) into place, then the directory fsynced, so a
// crash after the 250 loses nothing and never leaves a half-written file under a final name.
// Concurrent writers share the directory fsync (group commit): one fsync covers every link
// or rename done before it began.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <mutex>
#include <string>
#include <utility>

#include "smtp/message.hpp"

namespace bounceback::store {

class Spool {
 public:
  // Creates the directory if needed; throws std::runtime_error when it cannot be used.
  explicit Spool(std::filesystem::path dir);

  // Writes DIR/<queue_id>.eml (the exact accepted bytes) and DIR/<queue_id>.json (the
  // envelope); returns false on any I/O error.
  bool write(const smtp::AcceptedMessage& message);

  const std::filesystem::path& dir() const { return dir_; }

 private:
  class Staged;
  bool sync_dir();  // true once a fsync of the directory begun after this call succeeded

  std::filesystem::path dir_;
  int dir_fd_ = -1;
  bool unnamed_ = false;  // O_TMPFILE and /proc/self/fd work here
  // Group commit: renames are numbered; a directory fsync covers those up to `upto`.
  std::mutex dir_mutex_;
  std::condition_variable dir_synced_cv_;
  std::uint64_t renames_ = 0, synced_ = 0;
  bool syncing_ = false;
  std::deque<std::pair<std::uint64_t, std::uint64_t>> failed_;  // (from, upto] of failed fsyncs

 public:
  ~Spool();
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;
};

}  // namespace bounceback::store
