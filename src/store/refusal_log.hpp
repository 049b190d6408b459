// The refusals the server sent: every 4xx/5xx reply (to the banner, any command, a SASL
// response, the end of a message), by a rule or by the server itself, and every event a rule
// answered with no reply at all (a drop, a reset, a hang), for the web page's timeline and
// GET /api/v1/refusals. Bounded: the newest `capacity` refusals, each field cut
// to a fixed size; once full, the oldest slot is overwritten in place (its strings keep their
// capacity), so recording allocates nothing in steady state.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "smtp/event.hpp"

namespace bounceback::store {

// How the client was refused: a 4xx/5xx reply, or none (a rule's drop, drop = "reset", hang).
enum class RefusalOutcome : std::uint8_t {
  reply,  // a 4xx/5xx was sent
  drop,   // the connection was closed without a reply (FIN)
  reset,  // closed without a reply by a TCP RST (drop = "reset")
  hang,   // no reply, the connection held open until the client gives up
};
std::string_view to_string(RefusalOutcome outcome);

struct Refusal {
  std::uint64_t id = 0;  // 1, 2, 3... in the order sent; never reused
  std::chrono::system_clock::time_point at;
  RefusalOutcome outcome = RefusalOutcome::reply;
  unsigned code = 0;     // 421, 550, ...; 0 when no reply was sent
  std::string enhanced;  // "5.1.1", or empty when the reply carries none
  std::string text;      // the text after the codes, lines joined with " / "
  smtp::EventKind stage = smtp::EventKind::connect;
  std::string from;  // the transaction's reverse path (at mail: the one refused)
  std::string rcpt;  // at rcpt the recipient refused; later the transaction's, ", "-joined
  std::uint32_t recipients = 0;  // how many recipients `rcpt` names (0 before RCPT)
  std::string client_ip;
  std::string session_id;

  // A drop or hang counts as temporary: a mailer retries after a lost connection or a
  // timeout (RFC 5321 §4.5.4.1).
  bool permanent() const { return code >= 500; }
};

// What a page of refusals may hold: any class, or one.
enum class RefusalClass : std::uint8_t { any, temporary, permanent };

class RefusalLog {
 public:
  static constexpr std::size_t default_capacity = 10'000;
  // Each field is cut (at a UTF-8 character) to these bytes, so one slot holds at most
  // about 1.5 KiB of text and the whole log about 15 MiB.
  static constexpr std::size_t max_text = 512;     // a reply line is 512 (RFC 5321 §4.5.3.1.5)
  static constexpr std::size_t max_address = 256;  // a path (RFC 5321 §4.5.3.1.3)
  static constexpr std::size_t max_rcpts = 512;    // the joined recipients of a transaction
  static constexpr std::size_t max_short = 64;     // client address, session id, code

  explicit RefusalLog(std::size_t capacity = default_capacity);

  // Records `wire` (the reply as sent, CRLF lines) when it is a 4xx/5xx refusing `event`; a
  // copy goes to `copy` when given. Returns the refusal's id, or 0 for anything else.
  std::uint64_t record(const smtp::Event& event, std::string_view wire, Refusal* copy = nullptr);
  // Records that `event` got no reply (`how` is not `reply`); returns the refusal's id.
  std::uint64_t record_silence(const smtp::Event& event, RefusalOutcome how,
                               Refusal* copy = nullptr);

  struct Page {
    std::vector<Refusal> refusals;  // newest first
    std::size_t total = 0;          // every refusal of the class that `keep`s, whatever the page
  };
  // `keep` (when given) is asked under the log's lock: it must not call back into the log.
  Page newest_first(RefusalClass klass, std::size_t start, std::size_t limit,
                    const std::function<bool(const Refusal&)>& keep = {}) const;
  std::size_t size() const;
  void clear();  // ids keep counting

 private:
  mutable std::mutex mutex_;
  std::size_t capacity_;
  Refusal& next_slot();  // under the lock: a new slot, or the oldest one overwritten
  void fill(Refusal& r, const smtp::Event& event);  // id, time, stage, addresses, session

  std::vector<Refusal> slots_;  // a ring once full: slots_[next_] is the oldest
  std::size_t next_ = 0;
  std::uint64_t last_id_ = 0;
};

// Splits a 4xx/5xx reply as sent into `out`'s code, enhanced code and text; false when `wire`
// is not one.
bool read_refusal_reply(std::string_view wire, Refusal& out);

}  // namespace bounceback::store
