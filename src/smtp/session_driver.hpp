// Drives one Session without any I/O: owns the bounded input buffer and hands the transport
// one effect at a time (write, wait, read, start TLS, store, hang, close), taking back what
// came of it. The network connection and the tests carry out the same effects, so the feed
// loop exists once (docs/architecture.md, "The session driver").
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "smtp/session.hpp"

namespace bounceback::smtp {

// What the transport must do next, and how to report back to the SessionDriver.
struct Effect {
  enum class Kind : std::uint8_t {
    read,   // read into read_space(): received(n), end_of_input(), timed_out() or shutting_down()
    write,  // write all of `bytes`: written(), or write_failed() on an error
    wait,   // let `interval` pass: waited(), or interrupted() if the connection was meanwhile
    start_tls,  // the TLS handshake: tls_started(); on a failure, close
    store,      // store message() (moving it out): stored(ok)
    hang,       // say nothing and read nothing useful until the client leaves, then close
    close,      // close the connection: the session is over
    reset,      // close it with a TCP RST (SO_LINGER 0) instead of a FIN: the session is over
    // A scripted shutdown (shutdown_after): in `interval`, wall time, the transport cuts the
    // session short as at a server shutdown (shutting_down()); armed() now.
    arm_shutdown,
    // The Policy asks something slow first (a Redis round trip): start inquiry(), and when
    // it calls back, consulted(). Input is not fed meanwhile.
    consult,
  };
  Effect(Kind k = Kind::read, std::string_view b = {}, std::chrono::milliseconds i = {},
         bool ends = false)
      : kind(k), bytes(b), interval(i), ends_paced_reply(ends) {}

  Kind kind;
  std::string_view bytes;              // write: valid until the next call on the driver
  std::chrono::milliseconds interval;  // wait
  // write: the last bytes of a reply that was delayed or dripped. The client may have left
  // meanwhile: the transport looks (cheaply, only then) and tells written(client_left).
  bool ends_paced_reply = false;
};

// Feeds a Session from a bounded buffer and turns its Outputs into Effects. Input is not
// fed while an effect is pending; a reply's delay and drip become waits and one-byte writes;
// plaintext buffered after STARTTLS is dropped, never run (CVE-2011-0411). The buffer is
// allocated at the first read_space(), so an idle connection that waits for its first
// bytes before asking holds none; `buffer_size` must exceed the longest line the Session
// keeps whole (Limits::auth_line).
class SessionDriver {
 public:
  SessionDriver(Session& session, std::size_t buffer_size)
      : session_(session), capacity_(buffer_size) {}
  SessionDriver(const SessionDriver&) = delete;
  SessionDriver& operator=(const SessionDriver&) = delete;

  // For stores that take time (on disk): replies already due are written before the store
  // effect, not held back with the message's reply. Stores carried out at once are not
  // worth a write of their own: by default the replies of one read go out in one write.
  void write_before_store(bool yes) { write_before_store_ = yes; }

  // The greeting (or what the Policy makes of the connect event).
  Effect start();

  // After Effect::read: where to read to; then received(n) with the bytes read there.
  bool has_buffer() const { return buffer_ != nullptr; }
  std::span<char> read_space();
  Effect received(std::size_t n);
  // The client closed or reset the connection: close.
  Effect end_of_input();
  // The client was silent too long / the server is shutting down: the 421, then close.
  Effect timed_out();
  Effect shutting_down();

  // After Effect::write. `client_left`: the transport saw, before writing, that the client
  // had closed its side (asked only with ends_paced_reply); the reply reached no one.
  Effect written(bool client_left = false);
  // The write failed: the client is gone. Close.
  Effect write_failed();
  Effect waited() { return next(); }
  Effect armed() { return next(); }
  // A wait cut short by a timeout or shutdown: the paced reply is not sent. Close.
  Effect interrupted();
  Effect tls_started(std::string version, std::string cipher);
  AcceptedMessage& message() { return out_.message; }
  Inquiry* inquiry() const { return session_.inquiry(); }
  Effect consulted();
  Effect stored(bool ok);

  // Input read but not yet consumed by the session (an incomplete line, or what waits
  // behind a pending effect).
  std::string_view input() const { return {buffer_.get() + start_, end_ - start_}; }
  // The Output being carried out, or the last one carried out (for tests).
  const Output& output() const { return out_; }

 private:
  enum class Step : std::uint8_t { feed, now, delay, paced, then, done };

  Effect next();
  Effect read();
  Effect end(Effect::Kind kind) {
    step_ = Step::done;
    return {kind};
  }

  Session& session_;
  Output out_;
  std::unique_ptr<char[]> buffer_;
  const std::size_t capacity_;
  std::size_t start_ = 0, end_ = 0;  // the unconsumed input is [start_, end_)
  std::size_t paced_at_ = 0;         // the paced reply's bytes before it are written
  bool paused_ = false;              // the pause before the piece at paced_at_ is over
  Step step_ = Step::feed;
  bool carried_ = true;  // out_ has been carried out: cleared before the next feed
  bool offer_ = false;   // buffered input the session has not been offered since it paused
  bool ending_ = false;  // after a timeout or shutdown: close once the last reply is out
  bool write_before_store_ = false;  // see write_before_store()
  bool paced_end_ = false;  // the write out is the paced reply's last: the session hears of it
};

}  // namespace bounceback::smtp
