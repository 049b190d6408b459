// The store's settings: the capture's bound, the .eml spool, and the session log's budget
// (--max-messages, --store-dir, --max-sessions, ...), each with its default and why.
#pragma once

#include <cstddef>
#include <string>

namespace bounceback::store {

// The session log's bounds: sessions kept, and bytes, so a flood of long command lines
// cannot make the transcripts hold more than total_bytes (docs/security.md).
struct SessionBudget {
  std::size_t sessions = 1000;
  std::size_t total_bytes = 64 * 1024 * 1024;  // every session together
  std::size_t session_bytes = 1024 * 1024;     // one session (at most total_bytes)
  // A longer line is cut, with a marker: RFC 5321 §4.5.3.1.6's text line bound (1000 with
  // CRLF), so every line a correct client sends is kept whole.
  std::size_t line_bytes = 1000;
};

struct Settings {
  // Messages kept in memory, oldest dropped first: enough for a test suite's run.
  std::size_t max_messages = 10000;
  // And their bytes (the stored copies), so that 10,000 messages of 35 MiB cannot take
  // 350 GB: beyond, the oldest are dropped too (the newest message is always kept).
  std::size_t max_bytes = std::size_t{1} << 30;
  std::string dir;  // also write each message as DIR/<id>.eml, durable before the 250
  // Prepend Received: (RFC 5321 §4.4) to stored messages, as a real MX does.
  bool received_header = true;
  // With `dir`: writer threads, each committing a group of messages with one flush. One by
  // default: on virtio disks flushes queue behind each other, so a second flush in flight
  // only made the groups smaller (docs/benchmarks.md, session 13).
  unsigned threads = 1;
  // With `dir`: keep the spool writer's CPU busy while it waits for a flush (flush_poller.hpp).
  // Off by default: on a busy machine the spinning slowed the spool (docs/benchmarks.md).
  bool poll = false;
  SessionBudget sessions;
};

}  // namespace bounceback::store
