// The pure Session in memory: a sink that keeps messages, a transcript that keeps lines, a
// scriptable Policy, and the SessionDriver carried out by a MemoryExecutor.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "memory_executor.hpp"
#include "smtp/session.hpp"
#include "smtp/session_driver.hpp"

namespace bounceback::smtp::test {

class MemorySink final : public MessageSink {
 public:
  std::vector<AcceptedMessage> messages;
  bool fail = false;
  bool store(AcceptedMessage&& m) override {
    if (fail) return false;
    messages.push_back(std::move(m));
    return true;
  }
};

class MemoryTranscript final : public TranscriptSink {
 public:
  std::vector<std::pair<bool, std::string>> lines;
  void line(bool inbound, std::string_view text) override { lines.emplace_back(inbound, text); }
};

// Answers each event kind with a scripted Decision (default: proceed) and records what it saw.
class ScriptedPolicy final : public Policy {
 public:
  struct Seen {
    EventKind kind;
    std::string argument, from, rcpt, message;
    std::size_t rcpts = 0;
    std::uint64_t size = 0;
  };
  std::map<EventKind, Decision> decisions;
  std::function<Decision(const Event&)> fn;  // when set, overrides `decisions`
  std::vector<Seen> seen;
  std::vector<std::pair<EventKind, std::string>> replies;  // from replied()

  Decision decide(const Event& e) override {
    seen.push_back({e.kind, std::string(e.argument), std::string(e.from), std::string(e.rcpt),
                    std::string(e.message), e.rcpts.size(), e.size});
    if (fn) return fn(e);
    const auto it = decisions.find(e.kind);
    return it == decisions.end() ? Decision{} : it->second;
  }
  void replied(const Event& e, std::string_view wire, const Decision&) override {
    replies.emplace_back(e.kind, wire);
  }
  struct Refusal {
    EventKind kind;
    std::string rcpt, wire;
    std::uint32_t sequence;
  };
  std::vector<Refusal> refusals;  // from refused(): the session's own 4xx/5xx
  void refused(const Event& e, std::string_view wire) override {
    refusals.push_back({e.kind, std::string(e.rcpt), std::string(wire), e.sequence});
  }
  std::vector<Refusal> others;  // from refused_other(): every other 4xx/5xx
  void refused_other(const Event& e, std::string_view wire) override {
    others.push_back({e.kind, std::string(e.rcpt), std::string(wire), e.sequence});
  }
  std::vector<std::pair<std::uint32_t, Sent>> sents;  // from sent(): event sequence, fate
  void sent(const Event& e, Sent how) override { sents.emplace_back(e.sequence, how); }
  struct End {
    EventKind kind;
    Ending how;
    std::size_t rcpts;
    std::string wire;
  };
  std::vector<End> endings;  // from ended()
  void ended(const Event& e, Ending how, std::string_view wire) override {
    endings.push_back({e.kind, how, e.rcpts.size(), std::string(wire)});
  }
  bool saw(EventKind k) const {
    for (const auto& s : seen)
      if (s.kind == k) return true;
    return false;
  }
};

inline Decision reply_with(std::uint16_t code, std::string enhanced, std::string text) {
  Decision d;
  d.reply = Reply{code, std::move(enhanced), std::move(text)};
  return d;
}

inline std::shared_ptr<SessionConfig> test_config(
    const std::function<void(SessionConfig&)>& tweak = {}) {
  auto c = std::make_shared<SessionConfig>();
  c->hostname = "mx.test";
  if (tweak) tweak(*c);
  c->prepare();
  return c;
}

// A Session driven by the SessionDriver, with an in-memory transport (MemoryExecutor):
// the same feed loop as the network, delays and drips on a fake clock.
class Harness {
 public:
  // The driver's buffer, as the server's default read buffer.
  static constexpr std::size_t buffer_size = 16 * 1024;

  // `other` replaces the scripted policy (for example with AcceptAll); `lmtp`: the session
  // came in on an LMTP listener.
  explicit Harness(const std::function<void(SessionConfig&)>& tweak = {},
                   const std::function<void(ScriptedPolicy&)>& script = {}, Policy* other = nullptr,
                   bool lmtp = false)
      : config_(test_config(tweak)) {
    if (script) script(policy);
    SessionFacts facts;
    facts.id = "S1";
    facts.number = 1;
    facts.client_ip = "192.0.2.7";
    facts.client_port = 40000;
    facts.lmtp = lmtp;
    session = std::make_unique<Session>(config_, other ? *other : policy, &transcript, facts);
    driver = std::make_unique<SessionDriver>(*session, buffer_size);
    executor = std::make_unique<MemoryExecutor>(*driver, sink);
  }

  Harness(const Harness&) = delete;  // the Session holds references to the members
  Harness& operator=(const Harness&) = delete;

  std::string start() {
    return written_by([&] { executor->start(); });
  }

  // Sends bytes; returns every reply byte the server produced for them.
  std::string send(std::string_view bytes) {
    return written_by([&] { executor->receive(bytes); });
  }
  std::string line(std::string_view text) { return send(std::string(text) + "\r\n"); }

  void tls_started() {
    executor->tls_started();
    sync();
  }

  // Session::feed alone, with each message it hands out (Then::store) stored in `sink` at
  // once and the feed resumed after its reply: for tests of the Session's own contract.
  std::size_t feed(std::string_view input, Output& out) {
    std::size_t used = session->feed(input, out);
    while (out.then == Output::Then::store) {
      session->stored(sink.store(std::move(out.message)), out);
      if (!out.paused()) used += session->feed(input.substr(used), out);
    }
    return used;
  }

  // Bytes received and not yet consumed: an incomplete line, or input behind a pending effect.
  std::size_t pending() const { return driver->input().size() + executor->unread.size(); }
  bool stopped() const { return executor->over(); }

  ScriptedPolicy policy;
  MemorySink sink;
  MemoryTranscript transcript;
  std::unique_ptr<Session> session;
  std::unique_ptr<SessionDriver> driver;
  std::unique_ptr<MemoryExecutor> executor;
  Output last;               // the last Output the driver carried out
  bool tls_pending = false;  // the driver waits for the TLS handshake: call tls_started()

 private:
  template <typename F>
  std::string written_by(F&& act) {
    const std::size_t mark = executor->wire.size();
    act();
    sync();
    return executor->wire.substr(mark);
  }
  void sync() {
    last = driver->output();
    tls_pending = executor->waiting_on() == Effect::Kind::start_tls;
  }

  std::shared_ptr<SessionConfig> config_;
};

}  // namespace bounceback::smtp::test
