// The HTTP API's settings: its bounds and timeouts (--http-max-body, --http-idle-timeout, ...),
// its token and who may call it from a browser (--api-allowed-host, --api-cors).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "api/query_params.hpp"
#include "api/request_guard.hpp"

namespace bounceback::api {

struct HttpLimits {
  std::size_t header_bytes = 16 * 1024;  // Beast's default bound, and more than browsers send
  // A request body: a scenario for PUT /api/v1/scenario (real ones are a few KiB).
  std::size_t body_bytes = 1024 * 1024;
  std::chrono::milliseconds idle{std::chrono::seconds(60)};  // waiting for a request
  std::chrono::milliseconds io{std::chrono::seconds(30)};    // reading a body, writing
  // SSE comment line, so proxies and clients do not take a quiet stream for a dead one.
  std::chrono::milliseconds heartbeat{std::chrono::seconds(15)};
  std::size_t event_backlog = 1024;  // SSE events queued for a slow client before closing it
  // Open API connections (each a coroutine and its buffers); a test suite needs a few.
  std::size_t max_connections = 512;
  // Past max_connections, this many more are accepted for /healthz and /metrics only (one
  // request each, a short idle limit): a full API still answers its health checks.
  std::size_t reserved_connections = 16;
  std::chrono::milliseconds reserve_idle{std::chrono::seconds(5)};
};

// The routes' bounds: how long a long-poll may wait, and the pages of the lists (docs/api.md
// "Paging"): a default page, and a bound on any page so that one request cannot serialize a
// whole 100k-message store. Sessions are heavier (transcripts).
struct RouteLimits {
  std::chrono::milliseconds default_wait{std::chrono::seconds(10)};  // no ?timeout= given
  // The longest ?timeout=: a waiting long-poll holds one of the API's connections.
  std::chrono::milliseconds max_wait{std::chrono::minutes(2)};
  PageLimits messages_page{50, 1000};
  PageLimits sessions_page{20, 100};
  // One transcript in a session list, as JSON (its first and last lines): a page of 100 is
  // ~1.7 MB at most; /sessions/{id} has the whole transcript (--max-transcript-bytes).
  std::size_t list_transcript_bytes = 16 * 1024;
  PageLimits attempts_page{100, 1000};
  ScanBudget scan;  // what one search reads at most (--api-scan-budget)
};

struct Settings {
  HttpLimits http;
  RouteLimits routes;
  std::string token;  // required as "Authorization: Bearer TOKEN" when set
  // How much nicer than the process the API's thread runs (Linux: per thread; 19 at most):
  // when the cores are busy, SMTP sessions
  // get the CPU first, so a client polling the API in a loop slows SMTP down less
  // (docs/benchmarks.md, "Session 8"); on an idle machine the API runs at full speed.
  unsigned nice = 10;
  // --api-sched-idle: the API's thread at SCHED_IDLE instead (nice no longer applies): it
  // runs only on CPU nothing else wants, so a tight poller takes less from SMTP (session 14,
  // 100,000 stored: 0.87x of without, 0.74x at nice 10), but on saturated cores an answer can
  // wait seconds (session 12: up to ~4 s). Off by default: a test harness needs its answers.
  bool sched_idle = false;
  // Host names and browser origins the API answers besides its own (request_guard.hpp); the
  // app adds --hostname to the hosts.
  GuardConfig guard;
};

}  // namespace bounceback::api
