// The tests' transport: carries out a SessionDriver's effects in memory with a fake clock
// and records each one, so that delays, drips, hangs, closes and stores that complete later
// can be asserted without sockets or real time. A client may leave at a time on that clock
// (client_leaves_at): as on a socket, a write after it still succeeds, the transport sees
// the client gone when it looks (ends_paced_reply), and the next read is the end of input.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "smtp/session_driver.hpp"

namespace bounceback::smtp::test {

class MemoryExecutor {
 public:
  using Kind = Effect::Kind;
  struct Record {
    std::chrono::milliseconds at;  // on the fake clock, when the effect began
    Kind kind;
    std::string bytes;                   // write
    std::chrono::milliseconds interval;  // wait
  };

  MemoryExecutor(SessionDriver& driver, MessageSink& sink) : driver_(driver), sink_(sink) {}

  void start() { run(driver_.start()); }
  // Bytes from the client, as a socket delivers them: each read takes what the driver's
  // buffer has room for. What the driver does not take yet (a store or a handshake is
  // pending) waits in `unread`.
  void receive(std::string_view bytes) {
    unread.append(bytes);
    pump();
  }
  void timeout() { run(driver_.timed_out()); }
  void shutdown() { run(driver_.shutting_down()); }
  void end_of_input() { run(driver_.end_of_input()); }
  // Completes the handshake asked for by Kind::start_tls. Plaintext the client sent after
  // STARTTLS would have gone into the handshake and failed it: it is dropped.
  void tls_started() {
    unread.clear();
    run(driver_.tls_started("TLSv1.3", "TLS_AES_128_GCM_SHA256"));
  }
  // With defer_stores: completes the store the driver waits for.
  void complete_store(bool ok) {
    if (ok) ok = sink_.store(std::move(driver_.message()));
    run(driver_.stored(ok));
    pump();
  }

  Kind waiting_on() const { return current_; }
  bool over() const {
    return current_ == Kind::close || current_ == Kind::hang || current_ == Kind::reset;
  }

  // From now on a store completes only at complete_store(), and the driver writes the
  // replies due before it first, as it does for a store on disk.
  void defer_stores() {
    defer_stores_ = true;
    driver_.write_before_store(true);
  }
  std::chrono::milliseconds clock{0};
  // The client closes the connection at this time (never by default).
  std::chrono::milliseconds client_leaves_at = std::chrono::milliseconds::max();
  // Writes after the client left fail (a reset came back) instead of succeeding.
  bool writes_fail_after_leaving = false;
  bool client_gone() const { return clock >= client_leaves_at; }
  // A timeout or shutdown cuts the next wait short (at once).
  bool interrupt_waits = false;
  // When a scripted shutdown (Kind::arm_shutdown) is due on the clock; max: none.
  std::chrono::milliseconds shutdown_armed_at = std::chrono::milliseconds::max();
  std::string wire;  // every byte written
  std::vector<Record> log;
  std::string unread;

 private:
  void pump() {
    while (current_ == Kind::read && !unread.empty() && !client_gone()) {
      const auto space = driver_.read_space();
      const std::size_t n = std::min(space.size(), unread.size());
      std::memcpy(space.data(), unread.data(), n);
      unread.erase(0, n);
      run(driver_.received(n));
    }
    if (over()) unread.clear();  // the session ignores it
  }

  // Carries out effects until the driver waits for input, a handshake, a deferred store or
  // the end.
  void run(Effect e) {
    for (;;) {
      log.push_back({clock, e.kind, std::string(e.bytes), e.interval});
      current_ = e.kind;
      switch (e.kind) {
        case Kind::write:
          if (client_gone() && writes_fail_after_leaving) {
            e = driver_.write_failed();
            break;
          }
          if (!client_gone()) wire.append(e.bytes);  // what the client reads
          e = driver_.written(e.ends_paced_reply && client_gone());
          break;
        case Kind::wait:
          if (interrupt_waits) {
            e = driver_.interrupted();
            break;
          }
          clock += e.interval;
          e = driver_.waited();
          break;
        case Kind::store:
          if (defer_stores_) return;
          e = driver_.stored(sink_.store(std::move(driver_.message())));
          break;
        case Kind::read:
          if (client_gone()) {
            e = driver_.end_of_input();
            break;
          }
          return;
        case Kind::consult: {  // answered at once, as an in-process Inquiry would be
          bool called = false;
          driver_.inquiry()->start([&called] { called = true; });
          if (!called) return;  // the test answers later: consulted()
          e = driver_.consulted();
          break;
        }
        case Kind::arm_shutdown:  // the test calls shutdown() when it means the time has come
          shutdown_armed_at = clock + e.interval;
          e = driver_.armed();
          break;
        case Kind::start_tls:
        case Kind::hang:
        case Kind::close:
        case Kind::reset:
          return;
      }
    }
  }

  SessionDriver& driver_;
  MessageSink& sink_;
  Kind current_ = Kind::read;
  bool defer_stores_ = false;
};

}  // namespace bounceback::smtp::test
