// Everything `serve` can be told: one tree whose parts are declared in their own layers with
// their defaults (smtp/settings.hpp, net/settings.hpp, store/settings.hpp, api/settings.hpp,
// scenario/settings.hpp). The option table (options.cpp) fills it field by field from the
// command line and --config; the app hands each part to its layer whole.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "api/settings.hpp"
#include "net/settings.hpp"
#include "net/tls_context.hpp"
#include "scenario/settings.hpp"
#include "scenario/shared_state.hpp"
#include "smtp/settings.hpp"
#include "store/settings.hpp"

namespace bounceback::app {

// Mailpit's and MailHog's ports, so users can swap Bounceback in.
struct Listeners {
  std::vector<std::string> smtp;   // plain SMTP; 127.0.0.1:1025 when none is given
  std::vector<std::string> smtps;  // implicit TLS (RFC 8314)
  std::vector<std::string> lmtp;   // LMTP (RFC 2033): ADDR:PORT or a UNIX socket path
  std::string http = "127.0.0.1:8025";
};

struct LogSettings {
  std::string format = "text";  // or json
  std::string level = "info";
};

// --state: the stateful tables in Redis, shared by replicas (docs/scale-out.md).
struct StateSettings {
  std::string url;  // redis://HOST:PORT[/DB]; empty: in memory
  std::string prefix = "bounceback:";
  scenario::StateFailure failure = scenario::StateFailure::open;
  std::chrono::milliseconds timeout{250};
  // The shared capture (redis/capture_log.hpp): a bigger message is listed by the replica
  // that captured it only, so that Redis holds at most --max-messages entries of this size.
  std::size_t capture_max_size = 1024 * 1024;
  // --state-share: what goes through Redis. tables: the stateful tables (greylist, attempts,
  // quotas, rate windows); capture: the messages (every replica lists every message);
  // attempts: the attempt log. A load test that never reads another replica's API shares
  // the tables only, and its stateless path costs what it does without --state.
  bool share_tables = true, share_capture = true, share_attempts = true;
};

struct Settings {
  Listeners listen;
  std::string scenario;         // file path or built-in name; empty: accept everything
  net::TlsSettings tls;         // its hostname is the one in force at start
  std::string tls_export_cert;  // write the certificate in use (PEM) to this file at start
  LogSettings log;
  smtp::Settings smtp;
  net::Settings net;
  store::Settings store;
  api::Settings api;
  scenario::Settings engine;
  StateSettings state;
};

}  // namespace bounceback::app
