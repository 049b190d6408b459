// Fuzzes the session state machine (smtp/session.hpp) through the SessionDriver, as the
// server runs it: the input is a client byte stream cut at random points; settings (limits,
// bare-LF policy, TLS/AUTH requirements) and a policy that sometimes replaces, delays, drips
// or closes come from a PRNG seeded by the input. Invariants after every read:
//  - everything sent is a stream of CRLF-terminated reply lines with 3-digit codes;
//  - the bytes kept unconsumed stay below the line limit (bounded memory);
//  - every accepted message is within the size limit, and every "queued as" id is stored;
//  - after close/hang/drop nothing more is sent; timeout/shutdown answer 421 once.
#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "harness.hpp"

using namespace bounceback::smtp;
using namespace bounceback::smtp::test;
using bounceback::fuzz::Rng;

namespace {

Decision random_decision(Rng& rng, const Event& e) {
  Decision d;
  if (!rng.one_in(6)) return d;  // mostly: proceed normally
  switch (rng.below(9)) {
    case 0: case 1: case 2: {
      static const std::uint16_t codes[] = {250, 251, 252, 421, 450, 451, 452, 550, 552, 554};
      const auto code = codes[rng.below(std::size(codes))];
      const std::string enhanced = std::to_string(code / 100) + ".7.1";
      d.reply = Reply{code, rng.one_in(3) ? std::string{} : enhanced,
                      rng.one_in(3) ? "first line\nsecond <" + std::string(to_string(e.kind)) + ">"
                                    : "scripted"};
      break;
    }
    case 3: d.delay = std::chrono::milliseconds(1 + rng.below(5)); break;
    case 4: d.drip = std::chrono::milliseconds(1); break;
    case 5: d.disconnect = true; break;
    case 6: if (rng.one_in(8)) d.drop = true; break;
    case 7: if (rng.one_in(8)) d.hang = true; break;
    default: d.reply = Reply{421, "4.3.2", "going away"}; break;
  }
  return d;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  Rng rng(input);
  Limits limits;
  const bool small = rng.one_in(2);
  auto tweak = [&](SessionConfig& c) {
    c.bare_lf = static_cast<BareLfPolicy>(rng.below(4));
    c.forbid_improper_pipelining = rng.one_in(3);
    c.tls_available = !rng.one_in(3);
    c.tls = static_cast<Requirement>(rng.below(3) == 2 ? 2 : rng.below(2));
    c.auth = rng.one_in(4) ? Requirement::required : Requirement::off;
    if (small) {  // small bounds, so inputs of a few hundred bytes reach them
      c.limits.command_line = 8 + rng.below(120);
      c.limits.message_size = rng.below(300);
      c.limits.recipients = 1 + rng.below(4);
      c.limits.hard_errors = 1 + rng.below(10);
      c.limits.commands_per_session = 1 + static_cast<unsigned>(rng.below(40));
      c.limits.messages_per_session = 1 + static_cast<unsigned>(rng.below(4));
    }
    limits = c.limits;
  };
  const bool scripted = rng.one_in(2);
  Harness h(tweak, [&](ScriptedPolicy& p) {
    if (scripted) p.fn = [&rng](const Event& e) { return random_decision(rng, e); };
  });

  std::string sent = h.start();
  bounceback::fuzz::check_replies(sent);
  std::set<std::string> stored_ids;
  for (const auto chunk : bounceback::fuzz::chunks(input, rng)) {
    if (h.stopped()) {  // after close, drop or hang: input is swallowed, nothing is sent
      Output after;
      FUZZ_CHECK(h.session->feed(chunk, after) == chunk.size());
      FUZZ_CHECK(after.now.empty() && after.paced.empty());
      continue;
    }
    const std::string replies = h.send(chunk);
    bounceback::fuzz::check_replies(replies);
    if (h.tls_pending) h.tls_started();
    // Bounded buffer: an unfinished line is kept only below the line limit (longer for AUTH
    // and SASL responses, RFC 4954 §4).
    if (!h.stopped())
      FUZZ_CHECK(h.pending() < std::max(limits.command_line, limits.auth_line));
    sent += replies;
  }
  for (const auto& m : h.sink.messages) {
    FUZZ_CHECK(m.data.size() <= limits.message_size);
    FUZZ_CHECK(!m.rcpts.empty() && m.rcpts.size() <= limits.recipients);
    stored_ids.insert(m.queue_id);
  }
  FUZZ_CHECK(h.sink.messages.size() <= limits.messages_per_session);
  for (auto at = sent.find("queued as "); at != std::string::npos;
       at = sent.find("queued as ", at + 1)) {
    const auto end = sent.find("\r\n", at);
    FUZZ_CHECK(stored_ids.count(sent.substr(at + 10, end - at - 10)) == 1);
  }

  // The transport's last word, through the driver: a timeout or shutdown is one 421, then
  // close.
  const bool closed = h.session->closed();
  const std::size_t mark = h.executor->wire.size();
  if (rng.one_in(2))
    h.executor->timeout();
  else
    h.executor->shutdown();
  const std::string last = h.executor->wire.substr(mark);
  bounceback::fuzz::check_replies(last);
  if (closed) {
    FUZZ_CHECK(last.empty());
  } else {
    FUZZ_CHECK(last.starts_with("421 4.") && h.executor->waiting_on() == Effect::Kind::close);
    FUZZ_CHECK(h.session->closed());
  }
  return 0;
}
