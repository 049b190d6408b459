// The spool's write-ahead log (see spool_log.hpp). The header (4 KiB, its own block): "BBSL",
// the format version (u32), the epoch (u64) and the key (u64, random), then their checksum
// (u64). A record: "BBR2", the lengths of the id and the line (u32 each, then 4 zero bytes),
// of the data (u64), the epoch (u64) and the checksum (u64, seeded with the key) of all that
// and the payload, then the id, the line and the data. Integers are little-endian.
#include "store/spool_log.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <random>
#include <stdexcept>
#include <system_error>

namespace bounceback::store {
namespace {

constexpr unsigned char file_magic[4] = {'B', 'B', 'S', 'L'};
constexpr std::uint32_t version = 2;
// Bounds a corrupt header cannot exceed (ids are <= 128; --max-size is at most 1 GiB).
constexpr std::uint32_t max_id = 1024, max_line = 64u << 20;
constexpr std::uint64_t max_data = 4ull << 30;

void put(unsigned char* p, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}
std::uint64_t get(const unsigned char* p, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= std::uint64_t{p[i]} << (8 * i);
  return v;
}

// A record's checksum: its head's first 32 bytes (magic, lengths, epoch), then the payload.
std::uint64_t record_sum(std::uint64_t key, const unsigned char* head, std::string_view id,
                         std::string_view line, std::string_view data) {
  std::uint64_t h = spool_checksum(key, head, 32);
  h = spool_checksum(h, id.data(), id.size());
  h = spool_checksum(h, line.data(), line.size());
  return spool_checksum(h, data.data(), data.size());
}

bool pwrite_all(int fd, iovec* iov, std::size_t count, off_t at) {
  while (count > 0) {
    const int n = static_cast<int>(std::min<std::size_t>(count, IOV_MAX));
    ssize_t done = ::pwritev(fd, iov, n, at);
    if (done < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    at += done;
    while (count > 0 && static_cast<std::size_t>(done) >= iov->iov_len) {
      done -= static_cast<ssize_t>(iov->iov_len);
      ++iov;
      --count;
    }
    if (count > 0) {
      iov->iov_base = static_cast<char*>(iov->iov_base) + done;
      iov->iov_len -= static_cast<std::size_t>(done);
    }
  }
  return true;
}

bool write_header(int fd, std::uint64_t epoch, std::uint64_t key) {
  unsigned char h[32];
  std::memcpy(h, file_magic, 4);
  put(h + 4, version, 4);
  put(h + 8, epoch, 8);
  put(h + 16, key, 8);
  put(h + 24, spool_checksum(0, h, 24), 8);
  iovec iov{h, sizeof h};
  return pwrite_all(fd, &iov, 1, 0) && ::fdatasync(fd) == 0;
}

struct Header {
  std::uint64_t epoch, key;
};

std::optional<Header> read_header(std::string_view file) {
  const auto* h = reinterpret_cast<const unsigned char*>(file.data());
  if (file.size() < 32 || std::memcmp(h, file_magic, 4) != 0 || get(h + 4, 4) != version ||
      get(h + 24, 8) != spool_checksum(0, h, 24))
    return std::nullopt;
  return Header{get(h + 8, 8), get(h + 16, 8)};
}

std::uint64_t random_key() {
  std::random_device random;
  return (std::uint64_t{random()} << 32) ^ random();
}

// The whole file: a log holds a checkpoint's worth, read once at a start after a crash.
bool read_file(int fd, std::string& out) {
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) return true;
    out.append(buf, static_cast<std::size_t>(n));
  }
}

}  // namespace

std::uint64_t spool_checksum(std::uint64_t seed, const void* data, std::size_t size) {
  // Word at a time: a multiply and a rotate mix each 8 bytes into the state (murmur-like).
  constexpr std::uint64_t k = 0x9E3779B97F4A7C15ull;
  std::uint64_t h = seed ^ (size * k);
  const auto* p = static_cast<const unsigned char*>(data);
  for (; size >= 8; p += 8, size -= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ (w * k)) * 0xff51afd7ed558ccdull;
    h = (h << 31) | (h >> 33);
  }
  std::uint64_t w = 0;
  for (std::size_t i = 0; i < size; ++i) w |= std::uint64_t{p[i]} << (8 * i);
  h = (h ^ (w * k)) * 0xc4ceb9fe1a85ec53ull;
  return h ^ (h >> 29);
}

SpoolLog::SpoolLog(int dir_fd, std::string name, std::uint64_t epoch)
    : dir_fd_(dir_fd), name_(std::move(name)), epoch_(epoch), key_(random_key()) {
  fd_ = ::openat(dir_fd_, name_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  int err = fd_ < 0 ? errno : 0;
  if (!err && ::flock(fd_, LOCK_EX | LOCK_NB) != 0) err = errno;
  if (!err && !write_header(fd_, epoch_, key_)) err = errno ? errno : EIO;
  if (err) {
    if (fd_ >= 0) ::close(fd_);
    throw std::runtime_error("cannot create the spool's log " + name_ + ": " +
                             std::generic_category().message(err));
  }
}

SpoolLog::~SpoolLog() {
  if (fd_ >= 0) ::close(fd_);
}

bool SpoolLog::append(const std::vector<Record>& records, Scratch& scratch) {
  scratch.heads.resize(records.size() * record_head);
  scratch.iov.clear();
  std::uint64_t bytes = 0;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto& r = records[i];
    unsigned char* h = scratch.heads.data() + i * record_head;
    std::memcpy(h, record_magic.data(), 4);
    put(h + 4, r.id.size(), 4);
    put(h + 8, r.line.size(), 4);
    put(h + 12, 0, 4);
    put(h + 16, r.data.size(), 8);
    put(h + 24, epoch_, 8);
    put(h + 32, record_sum(key_, h, r.id, r.line, r.data), 8);
    scratch.iov.push_back({h, record_head});
    for (auto part : {r.id, r.line, r.data})
      if (!part.empty()) scratch.iov.push_back({const_cast<char*>(part.data()), part.size()});
    bytes += record_head + r.id.size() + r.line.size() + r.data.size();
  }
  const std::uint64_t at = end_.fetch_add(bytes);
  return grow(at + bytes) &&
         pwrite_all(fd_, scratch.iov.data(), scratch.iov.size(), static_cast<off_t>(at));
}

// Zeros from the file's written end to `ahead` past `to` (whole 4 KiB blocks), before any
// record is written there: a later record overwrites them, never the other way round. The
// flush after it writes the new size and blocks once; those until the next growth do not.
bool SpoolLog::grow(std::uint64_t to) {
  if (to <= grown_.load(std::memory_order_acquire)) return true;
  std::lock_guard lock(grow_mutex_);
  const std::uint64_t from = grown_.load(std::memory_order_relaxed);
  if (to <= from) return true;
  const std::uint64_t until = (to + ahead + 4095) / 4096 * 4096;
  static const std::vector<char> zeros(64 * 1024, '\0');
  std::vector<iovec> iov;
  for (std::uint64_t at = from; at < until; at += zeros.size())
    iov.push_back({const_cast<char*>(zeros.data()),
                   static_cast<std::size_t>(std::min<std::uint64_t>(zeros.size(), until - at))});
  if (!pwrite_all(fd_, iov.data(), iov.size(), static_cast<off_t>(from))) return false;
  grown_.store(until, std::memory_order_release);
  return true;
}

bool SpoolLog::flush() {
  return ::fdatasync(fd_) == 0;
}

bool SpoolLog::reset(std::uint64_t epoch) {
  const std::uint64_t key = random_key();
  if (!write_header(fd_, epoch, key)) return false;
  epoch_ = epoch;
  key_ = key;
  end_ = header_size;
  return true;
}

void SpoolLog::remove() {
  ::unlinkat(dir_fd_, name_.c_str(), 0);
  ::close(fd_);
  fd_ = -1;
}

std::optional<SpoolLog::Replayed> SpoolLog::replay(int dir_fd, const std::string& name,
                                                   const std::function<void(const Record&)>& visit,
                                                   const std::function<bool()>& settle) {
  const int fd = ::openat(dir_fd, name.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string file;
  const auto header =
      ::flock(fd, LOCK_EX | LOCK_NB) == 0 && read_file(fd, file) ? read_header(file) : std::nullopt;
  if (!header) {  // a live server's, or not a log
    ::close(fd);
    return std::nullopt;
  }
  Replayed result;
  result.epoch = header->epoch;
  const std::string_view all(file);
  for (std::size_t at = header_size; at + record_head <= all.size();) {
    const auto* h = reinterpret_cast<const unsigned char*>(all.data() + at);
    const auto id_len = get(h + 4, 4), line_len = get(h + 8, 4), data_len = get(h + 16, 8);
    const std::uint64_t total = record_head + id_len + line_len + data_len;
    const bool whole = std::memcmp(h, record_magic.data(), 4) == 0 &&
                       get(h + 24, 8) == header->epoch && id_len <= max_id &&
                       line_len <= max_line && data_len <= max_data && total <= all.size() - at;
    if (whole) {
      const auto payload = all.substr(at + record_head);
      const Record r{payload.substr(0, id_len), payload.substr(id_len, line_len),
                     payload.substr(id_len + line_len, data_len)};
      if (get(h + 32, 8) == record_sum(header->key, h, r.id, r.line, r.data)) {
        visit(r);
        ++result.records;
        at += total;
        continue;
      }
    }
    // Not a record of this epoch: a hole, a torn record or older bytes. The next one, if any,
    // starts with the magic (its key-seeded checksum tells it from bytes that only look so).
    const auto next = all.find(SpoolLog::record_magic, at + 1);
    if (next == std::string_view::npos) break;
    at = next;
  }
  if (settle()) ::unlinkat(dir_fd, name.c_str(), 0);
  ::close(fd);
  return result;
}

}  // namespace bounceback::store
