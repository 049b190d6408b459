// The spool's write-ahead log: the one file the spool flushes before a 250. A group of messages is
// written as records (id, journal line, bytes, checksum) with one pwritev() at the log's end and
// made durable with one fdatasync(); their .eml files and journal lines are written without a
// flush of their own. A log is reused after each checkpoint, so from its second round on a flush
// writes data blocks in place, not a new size; in its first round the log is extended ahead of the
// records (zeros, `ahead` bytes at a time), so that most flushes there write data blocks in place
// too. After a crash, replay() gives back every whole record of the log's current epoch, so a
// restart can write again any .eml or line the crash lost. Once the filesystem holds what a log
// covers (a checkpoint), reset() starts it over under a new epoch: older records left in the file
// are never replayed.
#pragma once

#include <sys/uio.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bounceback::store {

class SpoolLog {
 public:
  struct Record {
    std::string_view id, line, data;
  };

  // Creates DIR/<name>, locks it so that no other server replays it and writes its header
  // with `epoch`, flushed; throws std::runtime_error when it cannot.
  SpoolLog(int dir_fd, std::string name, std::uint64_t epoch);
  ~SpoolLog();
  SpoolLog(const SpoolLog&) = delete;
  SpoolLog& operator=(const SpoolLog&) = delete;

  // A writer's buffers, reused from group to group.
  struct Scratch {
    std::vector<iovec> iov;
    std::vector<unsigned char> heads;  // the records' heads
  };
  // Writes the records in space reserved after every earlier append (thread-safe; not yet
  // durable); false on an I/O error, which leaves a hole that replay() reads past.
  bool append(const std::vector<Record>& records, Scratch& scratch);
  // Makes every record appended so far durable (fdatasync; thread-safe).
  bool flush();
  // Bytes reserved for records since the last reset.
  std::uint64_t size() const { return end_.load() - header_size; }
  // Starts over under `epoch` (flushed): call it only once everything the log covers is
  // durable elsewhere and no append is under way.
  bool reset(std::uint64_t epoch);
  // Removes the log (a clean stop: everything it covers is durable elsewhere).
  void remove();

  // Gives `visit` the whole records of the log at DIR/<name> of the epoch and key in its
  // header, in the order of the file, skipping what is not one (a hole a crash or a failed
  // write left, a torn record, an older epoch's bytes); then, if `settle` (which makes durable what
  // `visit` wrote) returns true, removes the log. The log stays locked meanwhile. Returns nothing,
  // doing nothing, when another live server holds the log or it has no valid header.
  struct Replayed {
    std::uint64_t epoch = 0, records = 0;
  };
  static std::optional<Replayed> replay(int dir_fd, const std::string& name,
                                        const std::function<void(const Record&)>& visit,
                                        const std::function<bool()>& settle);

  static constexpr std::string_view suffix = ".spool-log";
  static constexpr std::uint64_t header_size = 4096;  // its own block: rewritten at reset
  static constexpr std::size_t record_head = 40;      // magic, lengths, epoch, checksum
  static constexpr std::string_view record_magic = "BBR2";
  // How far the file is written (with zeros) ahead of the records: a flush that extends the
  // file also writes its inode (the size, the blocks), 2-4x the CPU of one in place (session 12).
  static constexpr std::uint64_t ahead = 1u << 20;

 private:
  int dir_fd_, fd_ = -1;
  std::string name_;
  std::uint64_t epoch_ = 0, key_ = 0;  // the key seeds every record's checksum
  std::atomic<std::uint64_t> end_{header_size};
  // The file is written up to here (records or zeros); grown under grow_mutex_.
  std::atomic<std::uint64_t> grown_{header_size};
  std::mutex grow_mutex_;
  bool grow(std::uint64_t to);
};

// The checksum of the log's records: 64 bits over 8-byte words, fast enough to run over
// every message (a torn write is what it must catch, not an adversary). Exposed for tests.
std::uint64_t spool_checksum(std::uint64_t seed, const void* data, std::size_t size);

}  // namespace bounceback::store
