// Durable copies of accepted messages: DIR/<id>.eml (the exact bytes), written unnamed
// (O_TMPFILE; else under a temporary name), fsynced, linked (renamed) into place; and the
// envelope as one line of DIR/envelopes.jsonl. One new inode per message: a second file per
// message doubled the cost of ext4's inode allocator, the spool's main CPU cost.
// Concurrent writers share the flushes (group commit): one fdatasync of the journal and one
// fsync of the directory, run at once, cover every line appended, and so every link done,
// before they began.
#pragma once

#include <array>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "smtp/message.hpp"

namespace bounceback::store {

class Spool {
 public:
  static constexpr std::string_view journal_name = "envelopes.jsonl";

  // Creates the directory and the journal if needed; throws std::runtime_error when either
  // cannot be used.
  explicit Spool(std::filesystem::path dir);

  // Writes DIR/<queue_id>.eml and appends the envelope to the journal; true once both are on
  // disk, false on any I/O error.
  bool write(const smtp::AcceptedMessage& message);

  const std::filesystem::path& dir() const { return dir_; }

 private:
  class Staged;
  bool append_and_sync(std::string_view line);

  std::filesystem::path dir_;
  int dir_fd_ = -1, journal_fd_ = -1;
  bool unnamed_ = false;  // O_TMPFILE and /proc/self/fd work here
  // Group commit of one file: appends are numbered; a flush covers those up to `synced`.
  struct Flush {
    int fd = -1;
    bool data_only = false;  // fdatasync, else fsync
    bool running = false;
    std::uint64_t synced = 0;
    std::deque<std::pair<std::uint64_t, std::uint64_t>> failed;  // (from, upto] of failed ones
  };
  // Guards the journal's appends and both group commits (the journal's, the directory's).
  std::mutex mutex_;
  std::condition_variable synced_cv_;
  std::uint64_t appended_ = 0;
  std::array<Flush, 2> flushes_;
  bool torn_ = false;  // the journal may end inside a line: start the next one on a new line

 public:
  ~Spool();
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;
};

}  // namespace bounceback::store
