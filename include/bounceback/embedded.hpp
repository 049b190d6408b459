// Bounceback inside a C++ test process: the whole server (SMTP listener, scenario engine,
// capture, HTTP API) on threads of its own, on free loopback ports, with a small API to read
// what it captured and to steer it. Link bounceback::embedded (find_package(Bounceback) or
// add_subdirectory); docs/fixtures.md. This header needs only the standard library.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace bounceback::embedded {

// A captured message (GET /api/v1/messages/{id}).
struct Message {
  std::string id;               // the queue id
  std::string from;             // the envelope sender; "" for the null reverse path (a DSN)
  std::vector<std::string> to;  // the envelope recipients
  std::string subject;          // the Subject header, RFC 2047 encoded-words decoded
  std::string text;             // the body as a mail client shows it: text parts, QP/base64 decoded
  std::string raw;              // the bytes accepted, the server's Received header first
  std::chrono::system_clock::time_point received_at;
  std::string session_id, client_ip;
  std::string generated;  // "" for mail a client sent; "dsn", "auto-reply" or "complaint"
};

// One delivery attempt of a (from, rcpt), or a refusal before RCPT (GET /api/v1/attempts).
struct Attempt {
  std::chrono::system_clock::time_point at;
  std::string from, rcpt, client_ip, session_id;
  std::string stage;    // the command the outcome was decided at: "rcpt", "message", "mail"...
  std::string outcome;  // "accepted", "refused", "dropped", "pending"...
  std::string reply;    // the last reply, one line: "451 4.7.1 ..."; "" when none was sent
  // Since the previous attempt of the same (from, rcpt) in the list (none for the first).
  std::optional<std::chrono::milliseconds> gap;
};

// Which messages: `to` and `from` an address (case-insensitive) or a glob with '*';
// `subject` a case-insensitive substring. Empty fields match anything.
struct Filter {
  std::string to, from, subject;
};

struct Options {
  // TOML text, a built-in scenario's name ("greylisting") or a file path; "": accept all.
  std::string scenario;
  // Any other `bounceback serve` options: {"--hostname", "mx.test", "--max-size", "1MiB"}.
  // SMTP and HTTP listen on 127.0.0.1, port 0, unless --smtp / --http say otherwise; the log
  // (stderr) shows warnings and errors unless --log-level says otherwise.
  std::vector<std::string> args;
};

// A scenario that does not load; what() names line and column of each problem.
struct ScenarioError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// wait_for() saw no matching message in time.
struct WaitTimeout : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A running server. Every member is thread-safe. The destructor stops it (sessions in flight
// get the grace period, then 421) and joins its threads.
class Server {
 public:
  // Starts the server, listening once this returns. Throws ScenarioError, or
  // std::runtime_error for bad options or a port that cannot be bound.
  explicit Server(Options options = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  std::uint16_t smtp_port() const;
  std::uint16_t http_port() const;
  std::string api_url() const;  // "http://127.0.0.1:PORT", for an HTTP client or a browser

  // The captured messages that match, newest first.
  std::vector<Message> messages(const Filter& filter = {}) const;
  std::optional<Message> message(std::string_view id) const;
  // The newest message that matches, waiting up to `timeout` for one; throws WaitTimeout.
  // Mail a client sent is captured before its 250; wait for generated mail (a DSN).
  Message wait_for(const Filter& filter,
                   std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
  // The delivery attempts whose rcpt and from match (address or '*' glob; "": any), oldest
  // first.
  std::vector<Attempt> attempts(std::string_view rcpt = {}, std::string_view from = {}) const;

  // Puts a scenario in force (as PUT /api/v1/scenario): TOML text, or a built-in scenario's
  // name. Throws ScenarioError; the old one then stays.
  void use_scenario(std::string_view toml_or_name);
  void use_scenario_file(const std::filesystem::path& file);
  // Moves the scenario clock forward (greylisting windows, rate windows, DSN delays pass);
  // reactions now due are generated before this returns. Throws std::invalid_argument past
  // the clock's bound (100 years in all).
  void advance_clock(std::chrono::milliseconds by);
  // Forgets the messages, the refusals and the scenario's state (greylist, attempt counters,
  // quotas, rates, the attempt log, pending DSNs); the scenario and the clock stay.
  void reset();
  // Stops now (as the destructor does); the accessors still read what was captured.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bounceback::embedded
