// The serve options: from the command line and/or a TOML config file (--config), one table
// of option names shared by both. Errors throw UsageError (exit code 2).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "smtp/limits.hpp"
#include "smtp/session.hpp"

namespace bounceback::app {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Options {
  std::vector<std::string> smtp;   // default 127.0.0.1:1025 when none is given
  std::vector<std::string> smtps;  // implicit TLS
  std::string http = "127.0.0.1:8025";
  std::string scenario;  // file path or built-in name; empty: accept everything
  std::string tls_cert, tls_key;
  std::string tls_min_version = "1.2", tls_max_version;  // "1.0" … "1.3"; max empty: highest
  std::string tls_ciphers, tls_ciphersuites;             // OpenSSL syntax; empty: OpenSSL's
  std::string tls_export_cert;  // write the certificate in use (PEM) to this file at start
  // --starttls off|on|required; unset: on (optional) when --tls-cert is given, else off.
  std::optional<smtp::Requirement> starttls;
  bool received_header = true;  // prepend Received: to stored messages (--received-header)
  std::string hostname = "localhost";
  std::string store_dir;
  std::string log_format = "text", log_level = "info";
  std::string api_token;
  std::vector<std::string> api_allowed_hosts;  // Host names the API answers to, besides loopback
  std::vector<std::string> api_cors;           // origins allowed to call the API from a browser
  std::size_t max_messages = 10000;
  std::size_t max_sessions = 1000;                   // kept in the session log
  std::size_t max_session_bytes = 64 * 1024 * 1024;  // the session log's transcripts together
  std::size_t max_transcript_bytes = 1024 * 1024;    // one session's transcript
  std::size_t max_connections = 10000;
  std::size_t max_connections_per_ip = 0;  // 0: off
  std::chrono::milliseconds idle_timeout{std::chrono::minutes(5)};
  std::chrono::milliseconds session_timeout{std::chrono::hours(1)};
  std::chrono::milliseconds shutdown_grace{std::chrono::seconds(5)};
  unsigned threads = 1;  // 0: one per core
  smtp::Limits limits;
  smtp::BareLfPolicy bare_lf = smtp::BareLfPolicy::normalize;
  bool forbid_improper_pipelining = false;
};

// Parses serve's arguments (without the verb). --config FILE is read where it appears;
// options after it override the file's.
Options parse_serve_options(const std::vector<std::string>& args);

// The usage text for `bounceback --help`.
const char* usage();

}  // namespace bounceback::app
