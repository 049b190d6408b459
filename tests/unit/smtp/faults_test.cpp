// The MX's own faults (smtp/faults.hpp): each spoiled reply's exact bytes, where each pacing
// cuts, and the Session and SessionDriver carrying them out on the in-memory transport: split
// and line-by-line writes with their pauses, a drop with a reset, the unsolicited 421 after N
// command lines or armed for a time.
#include "smtp/faults.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "harness.hpp"

using namespace bounceback::smtp;
using namespace bounceback::smtp::test;
using namespace std::chrono_literals;
using Kind = Effect::Kind;

namespace {

std::string spoiled(std::string_view wire, Malformed kind, std::uint32_t length = 0) {
  Fault f;
  f.malformed = kind;
  f.line_length = length;
  std::string out;
  append_malformed(wire, f, out);
  return out;
}

std::vector<MemoryExecutor::Record> effects(const Harness& h, Kind kind) {
  std::vector<MemoryExecutor::Record> out;
  for (const auto& r : h.executor->log)
    if (r.kind == kind) out.push_back(r);
  return out;
}

const std::string multi = "550-5.1.1 first\r\n550-5.1.1 second\r\n550 5.1.1 last\r\n";

}  // namespace

TEST_CASE("faults: each malformed row spoils the reply as documented", "[smtp][faults]") {
  CHECK(spoiled(multi, Malformed::no_final_line) ==
        "550-5.1.1 first\r\n550-5.1.1 second\r\n550-5.1.1 last\r\n");
  CHECK(spoiled("250 2.1.0 Ok\r\n", Malformed::no_final_line) == "250-2.1.0 Ok\r\n");
  CHECK(spoiled("250\r\n", Malformed::no_final_line) == "250-\r\n");

  CHECK(spoiled(multi, Malformed::mixed_codes) ==
        "550-5.1.1 first\r\n550-5.1.1 second\r\n551 5.1.1 last\r\n");
  CHECK(spoiled("250 2.1.0 Ok\r\n", Malformed::mixed_codes) == "250-2.1.0 Ok\r\n251 2.1.0 Ok\r\n");
  CHECK(spoiled("259 x\r\n", Malformed::mixed_codes) == "259-x\r\n250 x\r\n");

  CHECK(spoiled(multi, Malformed::bare_lf) ==
        "550-5.1.1 first\n550-5.1.1 second\n550 5.1.1 last\n");

  const std::string longer = spoiled("250 2.1.5 Ok\r\n", Malformed::long_line);
  CHECK(longer.size() == default_long_line);
  CHECK(longer.starts_with("250 2.1.5 Ok xxx"));
  CHECK(longer.ends_with("x\r\n"));
  const std::string exact = spoiled(multi, Malformed::long_line, 600);
  CHECK(exact.find("\r\n") == 598);  // the first line: 600 octets with its CRLF
  CHECK(exact.substr(600) == "550-5.1.1 second\r\n550 5.1.1 last\r\n");

  CHECK(spoiled(multi, Malformed::no_text) == "550\r\n");
  CHECK(spoiled("250 2.0.0 Ok: queued as X\r\n", Malformed::no_text) == "250\r\n");
}

TEST_CASE("faults: the names are the table's", "[smtp][faults]") {
  CHECK(parse_malformed("bare_lf") == Malformed::bare_lf);
  CHECK(parse_malformed("no_final_line") == Malformed::no_final_line);
  CHECK_FALSE(parse_malformed("bare-lf"));
  CHECK(malformed_names() == "no_final_line, mixed_codes, bare_lf, long_line, no_text");
}

TEST_CASE("faults: each pacing row cuts where documented", "[smtp][faults]") {
  const std::string_view reply = "250-a\r\n250-b\r\n250 c\r\n";  // 21 bytes
  const auto pieces = [&](Pacing p, const Cuts& cuts) {
    std::vector<std::string> out;
    for (std::size_t at = 0; at < reply.size();) {
      const std::size_t end = next_cut(p, cuts, reply, at);
      REQUIRE(end > at);
      out.emplace_back(reply.substr(at, end - at));
      at = end;
    }
    return out;
  };
  CHECK(pieces(Pacing::whole, {}) == std::vector<std::string>{std::string(reply)});
  CHECK(pieces(Pacing::drip, {}).size() == reply.size());
  Cuts offsets;
  offsets.at = {3, 10, 400};  // an offset past the end is no cut
  offsets.count = 3;
  CHECK(pieces(Pacing::split, offsets) ==
        std::vector<std::string>{"250", "-a\r\n250", "-b\r\n250 c\r\n"});
  Cuts three;
  three.pieces = true;
  three.count = 3;
  CHECK(pieces(Pacing::split, three) ==
        std::vector<std::string>{"250-a\r\n", "250-b\r\n", "250 c\r\n"});
  CHECK(pieces(Pacing::line_pause, {}) ==
        std::vector<std::string>{"250-a\r\n", "250-b\r\n", "250 c\r\n"});
}

TEST_CASE("faults: a split reply is written in pieces with the pause between them",
          "[smtp][faults][driver]") {
  Decision d;
  d.fault.pacing = Pacing::split;
  d.fault.cuts.at = {3, 6};
  d.fault.cuts.count = 2;
  d.fault.pause = 200ms;
  Harness h({}, [&](ScriptedPolicy& p) { p.decisions[EventKind::mail] = d; });
  h.start();
  h.line("EHLO c");
  CHECK(h.line("MAIL FROM:<a@b.example>") == "250 2.1.0 Ok\r\n");
  const auto w = effects(h, Kind::write);
  REQUIRE(w.size() == 5);  // banner, EHLO, then the three pieces
  CHECK(w[2].bytes == "250");
  CHECK(w[3].bytes == " 2.");
  CHECK(w[4].bytes == "1.0 Ok\r\n");
  CHECK(w[3].at == 200ms);
  CHECK(w[4].at == 400ms);
  CHECK(h.executor->clock == 400ms);  // no pause after the last piece
  CHECK(h.line("NOOP") == "250 2.0.0 Ok\r\n");
}

TEST_CASE("faults: line_pause writes a multi-line reply a line at a time",
          "[smtp][faults][driver]") {
  Decision d;
  d.fault.pacing = Pacing::line_pause;
  d.fault.pause = 3s;
  Harness h({}, [&](ScriptedPolicy& p) { p.decisions[EventKind::helo] = d; });
  h.start();
  const std::string ehlo = h.line("EHLO c");
  const auto w = effects(h, Kind::write);
  const auto lines = static_cast<std::size_t>(std::count(ehlo.begin(), ehlo.end(), '\n'));
  REQUIRE(lines > 3);
  REQUIRE(w.size() == 1 + lines);
  for (std::size_t i = 1; i < w.size(); ++i) {
    CHECK(w[i].bytes.ends_with("\r\n"));
    CHECK(w[i].at == (i - 1) * 3s);
  }
}

TEST_CASE("faults: a malformed reply is sent spoiled, and reported as scripted", "[smtp][faults]") {
  Decision d = reply_with(550, "5.1.1", "User unknown");
  d.fault.malformed = Malformed::bare_lf;
  Harness h({}, [&](ScriptedPolicy& p) { p.decisions[EventKind::rcpt] = d; });
  h.start();
  h.line("EHLO c");
  h.line("MAIL FROM:<a@b.example>");
  CHECK(h.line("RCPT TO:<c@d.example>") == "550 5.1.1 User unknown\n");
  REQUIRE(h.policy.replies.back().first == EventKind::rcpt);
  CHECK(h.policy.replies.back().second == "550 5.1.1 User unknown\r\n");  // for the attempt log
  CHECK(h.line("RCPT TO:<c@d.example>") == "550 5.1.1 User unknown\n");   // still served
}

TEST_CASE("faults: drop = reset ends with the reset effect", "[smtp][faults][driver]") {
  Decision d;
  d.drop = true;
  d.fault.reset = true;
  Harness h({}, [&](ScriptedPolicy& p) { p.decisions[EventKind::mail] = d; });
  h.start();
  h.line("EHLO c");
  CHECK(h.line("MAIL FROM:<a@b.example>").empty());
  CHECK(h.executor->waiting_on() == Kind::reset);
  CHECK(h.stopped());
  CHECK(h.transcript.lines.back().second == "[connection reset]");
  SECTION("a plain drop still closes") {
    Decision plain;
    plain.drop = true;
    Harness g({}, [&](ScriptedPolicy& p) { p.decisions[EventKind::mail] = plain; });
    g.start();
    g.line("EHLO c");
    g.line("MAIL FROM:<a@b.example>");
    CHECK(g.executor->waiting_on() == Kind::close);
  }
}

TEST_CASE("faults: shutdown_after N sends an unsolicited 421 after the Nth command line",
          "[smtp][faults]") {
  Decision d;
  d.fault.shutdown_commands = 3;
  Harness h({}, [&](ScriptedPolicy& p) { p.decisions[EventKind::mail] = d; });
  h.start();
  h.line("EHLO c");
  CHECK(h.line("MAIL FROM:<a@b.example>") == "250 2.1.0 Ok\r\n");  // the 1st, its own
  CHECK(h.line("RCPT TO:<c@d.example>") == "250 2.1.5 Ok\r\n");
  CHECK(h.line("NOOP") ==
        "250 2.0.0 Ok\r\n421 4.3.2 mx.test Service shutting down, closing transmission "
        "channel\r\n");
  CHECK(h.stopped());
  // The transaction's recipient ended with the 421, for the attempt log.
  REQUIRE(h.policy.endings.size() == 1);
  CHECK(h.policy.endings[0].how == Ending::closed);
  CHECK(h.policy.endings[0].wire.starts_with("421 4.3.2"));

  SECTION("at connect, counted from the first command; behind a paced reply") {
    Decision at_connect;
    at_connect.fault.shutdown_commands = 1;
    Decision slow;
    slow.delay = 1s;
    Harness g({}, [&](ScriptedPolicy& p) {
      p.decisions[EventKind::connect] = at_connect;
      p.decisions[EventKind::helo] = slow;
    });
    g.start();
    const std::string got = g.line("EHLO c");
    CHECK(got.starts_with("250-mx.test"));
    const std::string bye =
        "421 4.3.2 mx.test Service shutting down, closing transmission channel\r\n";
    REQUIRE(got.ends_with(bye));
    CHECK(got.rfind("\r\n250 ") < got.size() - bye.size());  // after the EHLO reply's end
    // Written with the delayed reply, after its delay.
    const auto w = effects(g, Kind::write);
    CHECK(w.back().bytes.ends_with(bye));
    CHECK(w.back().at == 1s);
    CHECK(g.stopped());
  }
}

TEST_CASE("faults: shutdown_after a duration arms the transport's timer once",
          "[smtp][faults][driver]") {
  Decision d;
  d.fault.shutdown_in = 5s;
  Harness h({}, [&](ScriptedPolicy& p) { p.decisions[EventKind::helo] = d; });
  h.start();
  CHECK(h.line("EHLO c").starts_with("250-mx.test"));
  CHECK(effects(h, Kind::arm_shutdown).size() == 1);
  CHECK(h.executor->shutdown_armed_at == 5s);
  CHECK(h.line("NOOP") == "250 2.0.0 Ok\r\n");  // armed, not yet due
  CHECK(effects(h, Kind::arm_shutdown).size() == 1);
  // When it is due the transport ends the session as at a shutdown.
  h.executor->shutdown();
  CHECK(
      h.executor->wire.ends_with("421 4.3.2 mx.test Service shutting down, closing "
                                 "transmission channel\r\n"));
  CHECK(h.stopped());
}

TEST_CASE("faults: a decision without faults proceeds; with one it does not", "[smtp][faults]") {
  Decision d;
  CHECK(d.proceeds());
  d.fault.malformed = Malformed::no_text;
  CHECK_FALSE(d.proceeds());
}
