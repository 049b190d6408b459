// What `bounceback import` learned from logs, DSNs and session JSON: per recipient, the
// replies its delivery attempts got, in the order seen, each with its stage, the host that
// gave it and where it was read. Pure data; the readers fill it, the scenario writer reads it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace bounceback::import {

// The command a reply answered (Postfix's "in reply to RCPT TO command"; "end of DATA" is
// `message`, the reply after the data).
enum class Stage : std::uint8_t { connect, helo, mail, rcpt, data, message };
std::string_view to_string(Stage s);  // the scenario event: "connect", ..., "message"

// Where something was read: "maillog:12".
struct Source {
  std::string file;
  std::size_t line = 0;
};

// What the server did instead of replying (Postfix: "lost connection with X while sending RCPT
// TO", "conversation with X timed out while ..."): the scenario's `drop` and `hang`.
enum class Fault : std::uint8_t { none, drop, hang };

struct Attempt {
  Stage stage = Stage::rcpt;
  // The reply as on the wire, one entry per line ("550-5.1.1 a", "550 5.1.1 b"); empty when
  // the attempt was delivered (a 2xx after the message).
  std::vector<std::string> lines;
  std::string host;  // the server that answered, when the input names it
  Source source;
  // The input gave no reply text; the writer made one from its status code (Sendmail's
  // "dsn=5.1.1, stat=User unknown", a DSN without Diagnostic-Code).
  bool reconstructed = false;

  Fault fault = Fault::none;  // with no lines: the connection was closed, or went silent

  bool delivered() const { return lines.empty() && fault == Fault::none; }
};

struct Recipient {
  std::string address;
  std::string from;  // the envelope sender, when the input says it ("" unknown)
  std::vector<Attempt> attempts;
};

// Recipients in the order first seen; a bound on both counts keeps a huge log from growing
// memory without end (what falls past it is counted, not kept).
class Model {
 public:
  static constexpr std::size_t max_recipients = 100'000;
  static constexpr std::size_t max_attempts = 1'000;  // per recipient

  void add(std::string_view rcpt, std::string_view from, Attempt attempt);
  const std::vector<Recipient>& recipients() const { return recipients_; }
  std::size_t attempts() const { return attempts_; }
  std::size_t dropped() const { return dropped_; }

 private:
  std::vector<Recipient> recipients_;
  std::unordered_map<std::string, std::size_t> index_;  // lower-case address -> position
  std::size_t attempts_ = 0, dropped_ = 0;
};

// ASCII lower case, for addresses compared as mail systems do (case-insensitively).
std::string lower(std::string_view s);

}  // namespace bounceback::import
