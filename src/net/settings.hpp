// The transport's settings: timeouts, connection bounds and buffers of the SMTP listeners and
// connections (--idle-timeout, --max-connections, ...), each with its default and why.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "proxy/sources.hpp"

namespace bounceback::net {

// STARTTLS towards --return-relay, in Postfix's words (smtp_tls_security_level): none; may
// (when the relay offers it, certificate not checked; a failed handshake is retried in plain
// text); encrypt (required, certificate not checked: test relays with a self-signed one);
// verify (required, the certificate checked against --return-relay-ca and the relay's name).
enum class RelayTls : std::uint8_t { none, may, encrypt, verify };

struct Settings {
  // RFC 5321 §4.5.3.2.7: a server should wait at least 5 minutes for the next command.
  std::chrono::milliseconds idle_timeout{std::chrono::minutes(5)};
  // A whole session, however busy: bounds a client that trickles commands forever.
  std::chrono::milliseconds session_timeout{std::chrono::hours(1)};
  // A TLS handshake (SMTPS, or after STARTTLS); a client that stalls it is closed.
  std::chrono::milliseconds handshake_timeout{std::chrono::seconds(30)};
  // SIGTERM/SIGINT: time for sessions in flight to finish before 421 4.3.2 and close.
  std::chrono::milliseconds shutdown_grace{std::chrono::seconds(5)};
  // How long a connection that is ending may take to say its last words (the 421 after a
  // timeout or at shutdown, a TLS close_notify): a client that stopped reading, or never
  // answers close_notify, must not hold the connection open.
  std::chrono::milliseconds last_words{std::chrono::seconds(2)};
  // The pause of a listener after a failed accept: with EMFILE the listener stays readable,
  // and retrying at once would spin until a connection closes. Short, so that accepting
  // resumes soon after descriptors free up.
  std::chrono::milliseconds accept_backoff{50};
  // "HOST:PORT": generated messages (DSNs, auto-replies, complaints) are also delivered there
  // over SMTP (net/return_relay.hpp). "": kept in the capture only.
  std::string return_relay;
  RelayTls return_relay_tls = RelayTls::may;
  std::string return_relay_ca;             // PEM CA certificates for verify; "": the system's
  std::size_t max_connections = 10000;     // beyond: 421 4.7.0 and close
  std::size_t max_connections_per_ip = 0;  // 0: off (a test double's clients share 127.0.0.1)
  // Per connection, allocated once the client sends; must hold the longest line the session
  // keeps unconsumed (smtp::Limits::command_line and auth_line).
  std::size_t read_buffer = 16 * 1024;
  // Every SMTP, SMTPS and LMTP connection from a --proxy-from peer (from any peer when there
  // is none) begins with a PROXY header (proxy/header.hpp) naming the real client; without a
  // valid one within proxy_timeout it is closed without a banner. Off: nothing is read.
  bool proxy_protocol = false;
  proxy::Sources proxy_from;  // the balancers; other peers are served as themselves
  std::chrono::milliseconds proxy_timeout{std::chrono::seconds(5)};
  // SO_REUSEPORT on the SMTP, SMTPS and LMTP TCP listeners: several processes share a port
  // and the kernel spreads connections among them.
  bool reuse_port = false;
  // I/O threads, one event loop each; 0: one per core. One by default, like smtp-sink: the
  // mailer under test shares the machine (docs/benchmarks.md).
  unsigned threads = 1;
};

}  // namespace bounceback::net
