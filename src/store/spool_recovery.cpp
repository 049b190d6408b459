// The spool's start after a crash: the logs that servers left behind (a clean stop removes its
// own) are replayed, so every message they flushed, and so acknowledged, has its .eml and one
// journal line again, whatever the crash lost of them.
#include <unistd.h>

#include <string>
#include <unordered_set>
#include <vector>

#include "log/log.hpp"
#include "store/spool.hpp"
#include "store/spool_files.hpp"

namespace bounceback::store {
namespace {

// The ids the journal has a line for, so a replayed message gets one line, not two.
std::unordered_set<std::string> journaled_ids(int journal_fd) {
  std::unordered_set<std::string> ids;
  std::string text, buf(1 << 16, '\0');
  for (off_t at = 0;;) {
    const ssize_t n = ::pread(journal_fd, buf.data(), buf.size(), at);
    if (n <= 0) break;
    text.append(buf.data(), static_cast<std::size_t>(n));
    at += n;
    // Whole lines only; the rest waits for the next read.
    const auto last = text.rfind('\n');
    if (last == std::string::npos) continue;
    for (std::size_t from = 0; from <= last;) {
      const auto end = text.find('\n', from);
      const auto id = spool_files::envelope_id(std::string_view(text).substr(from, end - from));
      if (!id.empty()) ids.emplace(id);
      from = end + 1;
    }
    text.erase(0, last + 1);
  }
  const auto id = spool_files::envelope_id(text);  // a last line without its newline
  if (!id.empty() && text.ends_with('}')) ids.emplace(id);
  return ids;
}

}  // namespace

void Spool::recover() {
  std::vector<std::string> logs;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir_, ec)) {
    const auto name = e.path().filename().string();
    if (name.starts_with('.') && name.ends_with(SpoolLog::suffix)) logs.push_back(name);
  }
  if (logs.empty()) return;
  auto journaled = journaled_ids(journal_fd_);
  for (const auto& name : logs) {
    std::uint64_t placed = 0, failed = 0;
    std::string lines;
    const auto replayed = SpoolLog::replay(
        dir_fd_, name,
        [&](const SpoolLog::Record& r) {
          if (!spool_files::place(dir_fd_, unnamed_, r.id, r.data)) {
            ++failed;
            return;
          }
          ++placed;
          if (journaled.emplace(r.id).second) lines.append(r.line);
        },
        // Removed only once what it covers is durable without it; else it stays for the next
        // start (a full disk, say), and this one goes on.
        [&] { return failed == 0 && (lines.empty() || append(lines)) && make_durable(); });
    if (!replayed) continue;  // a live server's
    recovered_ += placed;
    log::info("spool log replayed", {{"log", name}, {"messages", placed}, {"failed", failed}});
  }
}

}  // namespace bounceback::store
