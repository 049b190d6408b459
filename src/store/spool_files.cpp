// The spool's .eml files and journal lines (see spool_files.hpp).
#include "store/spool_files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <utility>

#include "store/event_feed.hpp"

namespace bounceback::store::spool_files {
namespace {

constexpr std::string_view id_head = "{\"id\":\"";

// A file written but not yet under its final name: unnamed (O_TMPFILE), or under its
// temporary name where the filesystem has no O_TMPFILE. Closed (and its temporary name
// removed) unless published.
class Staged {
 public:
  Staged(int dir_fd, bool unnamed, int file, const std::string& tmp_name, std::string_view bytes)
      : dir_fd_(dir_fd), fd_(file) {
    if (unnamed && fd_ < 0) fd_ = ::openat(dir_fd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
    if (fd_ < 0) {
      fd_ = ::openat(dir_fd, tmp_name.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (fd_ < 0) return;
      tmp_ = tmp_name;
    }
    ok_ = write_all(fd_, bytes);
  }
  Staged(const Staged&) = delete;
  Staged& operator=(const Staged&) = delete;
  ~Staged() {
    if (fd_ >= 0) ::close(fd_);
    if (!tmp_.empty()) ::unlinkat(dir_fd_, tmp_.c_str(), 0);
  }

  // Gives the file its final name, replacing any file of that name.
  bool publish(const std::string& name, const std::string& tmp_name) {
    if (!ok_) return false;
    if (tmp_.empty()) {
      if (link_unnamed(name)) return true;
      if (errno != EEXIST) return false;
      // An older file has that name (an id reused across restarts, or a replay): replace it
      // atomically.
      ::unlinkat(dir_fd_, tmp_name.c_str(), 0);
      if (!link_unnamed(tmp_name)) return false;
      tmp_ = tmp_name;
    }
    if (::renameat(dir_fd_, tmp_.c_str(), dir_fd_, name.c_str()) != 0) return false;
    tmp_.clear();
    return true;
  }

 private:
  // Links the unnamed file in by its descriptor (AT_EMPTY_PATH: allowed without
  // CAP_DAC_READ_SEARCH since Linux 6.10 for the file's opener; ~3 us of CPU less per file
  // than resolving /proc/self/fd/N, session 11), else through /proc once that is refused.
  bool link_unnamed(const std::string& name) {
    if (empty_path_links.load(std::memory_order_relaxed)) {
      if (::linkat(fd_, "", dir_fd_, name.c_str(), AT_EMPTY_PATH) == 0) return true;
      if (errno != ENOENT && errno != EPERM) return false;       // EEXIST: the caller's to handle
      empty_path_links.store(false, std::memory_order_relaxed);  // an older kernel
    }
    char path[40];
    std::snprintf(path, sizeof path, "/proc/self/fd/%d", fd_);
    return ::linkat(AT_FDCWD, path, dir_fd_, name.c_str(), AT_SYMLINK_FOLLOW) == 0;
  }

  static inline std::atomic<bool> empty_path_links{true};
  int dir_fd_;
  int fd_ = -1;
  bool ok_ = false;
  std::string tmp_;  // the temporary name, while it has one
};

}  // namespace

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool safe_name(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_')
      return false;
  return id.front() != '.';
}

bool place(int dir_fd, bool unnamed, std::string_view id, std::string_view bytes, int file) {
  if (!safe_name(id)) {
    if (file >= 0) ::close(file);
    return false;
  }
  const std::string eml = std::string(id) + ".eml", tmp_eml = "." + eml + ".tmp";
  Staged body(dir_fd, unnamed, file, tmp_eml, bytes);
  return body.publish(eml, tmp_eml);
}

void append_envelope(std::string& out, const smtp::AcceptedMessage& m) {
  out += id_head.substr(0, id_head.size() - 1);  // json_string adds the quote
  out += json_string(m.queue_id) + ",\"file\":" + json_string(m.queue_id + ".eml") +
         ",\"from\":" + json_string(m.from) + ",\"to\":[";
  for (std::size_t i = 0; i < m.rcpts.size(); ++i) {
    if (i) out += ',';  // appended apart: GCC 12 -O3 misreports `"," + s` as -Wrestrict
    out += json_string(m.rcpts[i].address);
  }
  out += "],\"session_id\":" + json_string(m.session_id) +
         ",\"client_ip\":" + json_string(m.client_ip) + ",\"helo\":" + json_string(m.helo) +
         ",\"tls\":" + (m.tls ? "true" : "false") + ",\"auth_user\":" + json_string(m.auth_user) +
         ",\"generated\":" + (m.generated.empty() ? "null" : json_string(m.generated)) +
         ",\"about\":" + (m.about.empty() ? "null" : json_string(m.about)) + "}\n";
}

std::string_view envelope_id(std::string_view line) {
  // Ids are safe names (no quote, no escape), so the id ends at the next quote.
  if (!line.starts_with(id_head)) return {};
  line.remove_prefix(id_head.size());
  const auto end = line.find('"');
  return end == std::string_view::npos ? std::string_view{} : line.substr(0, end);
}

}  // namespace bounceback::store::spool_files
