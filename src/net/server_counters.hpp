// What the SMTP listeners count for /metrics: written by the transport, read by the API's
// routes (which include this header alone, without the rest of src/net).
#pragma once

#include <atomic>
#include <cstdint>

namespace bounceback::net {

struct ServerCounters {
  std::atomic<std::uint64_t> sessions{0}, current{0}, refused{0}, timeouts{0};
  std::atomic<std::uint64_t> refused_per_ip{0};  // also counted in `refused`
  // PROXY headers read (--proxy-protocol), and connections closed for a missing or bad one.
  std::atomic<std::uint64_t> proxy_headers{0}, proxy_refused{0};
  std::atomic<std::uint64_t> tls_handshakes{0}, tls_failures{0};
  std::atomic<std::uint64_t> bytes_in{0}, bytes_out{0};
};

}  // namespace bounceback::net
