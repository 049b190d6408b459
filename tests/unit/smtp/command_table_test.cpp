// The command table: one row per verb, case-insensitive lookup, and each precondition's
// reply (through the session, so the check, its order and its Policy report are seen).
#include "smtp/command_table.hpp"

#include <catch2/catch.hpp>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "harness.hpp"

using namespace bounceback::smtp;
using namespace bounceback::smtp::test;

namespace {

std::string with_case(std::string_view name, bool upper_first) {
  std::string s(name);
  bool upper = upper_first;
  for (auto& c : s) {
    c = static_cast<char>(upper ? (c & ~0x20) : (c | 0x20));
    upper = !upper;
  }
  return s;
}

}  // namespace

TEST_CASE("command table: every verb has exactly one row", "[smtp][command-table]") {
  const auto table = command_table();
  CHECK(table.size() == static_cast<std::size_t>(Verb::unknown));
  for (std::size_t v = 0; v < static_cast<std::size_t>(Verb::unknown); ++v) {
    CAPTURE(v);
    std::size_t rows = 0;
    for (const auto& row : table) rows += row.verb == static_cast<Verb>(v) ? 1 : 0;
    CHECK(rows == 1);
  }
  std::set<std::string_view> names;
  for (const auto& row : table) {
    CAPTURE(row.name);
    CHECK(names.insert(row.name).second);
    CHECK(row.handler != nullptr);
    CHECK(parse_command(std::string(row.name) + " x").row == &row);
    // A row's own replies exist exactly when the precondition that uses them is set.
    CHECK(row.usage.empty() == !(row.needs & need::argument));
    CHECK(row.busy.empty() == !(row.needs & need::no_transaction));
  }
}

TEST_CASE("command table: a name is looked up case-insensitively", "[smtp][command-table]") {
  for (const auto& row : command_table()) {
    CAPTURE(row.name);
    CHECK(find_command(row.name) == &row);
    CHECK(find_command(with_case(row.name, false)) == &row);
    CHECK(find_command(with_case(row.name, true)) == &row);
    std::string lower(row.name);
    for (auto& c : lower) c = static_cast<char>(c | 0x20);
    CHECK(find_command(lower) == &row);
    // Near misses are unknown: a letter more or less, a non-letter in place of one.
    CHECK(find_command(std::string(row.name) + "S") == nullptr);
    CHECK(find_command(row.name.substr(1)) == nullptr);
    CHECK(find_command(std::string(1, '\0') + std::string(row.name)) == nullptr);
    CHECK(find_command(std::string(row.name.substr(1)) + "@") == nullptr);
  }
  CHECK(find_command("") == nullptr);
  CHECK(find_command("MAIL:") == nullptr);
  CHECK(find_command("STARTTLSX") == nullptr);
  CHECK(find_command("H\xC9LO") == nullptr);  // a byte that folds to no letter
  CHECK(find_command("HEL\x0F") == nullptr);  // 'O' ^ 0x40: only letters fold
}

namespace {

// One precondition that fails, and what the session answers.
struct Unmet {
  std::string what;
  unsigned precondition;
  std::function<void(SessionConfig&)> config;
  std::vector<std::string> before;  // lines sent first, each must get a 2xx/3xx; !tls: handshake
  std::string line;
  std::string reply;
  bool refused = false;  // reported to Policy::refused (MAIL, RCPT, DATA)
  bool lmtp = false;     // on an LMTP listener
};

void tls_on(SessionConfig& c) {
  c.tls_available = true;
}
void auth_on(SessionConfig& c) {
  c.auth = Requirement::optional;
  c.auth_plaintext = true;
}

const std::string plain_alice = "AUTH PLAIN AGFsaWNlAHNlY3JldA==";  // \0alice\0secret

std::vector<Unmet> unmet_cases() {
  return {
      {"no argument (RSET)",
       need::no_argument,
       {},
       {"EHLO c"},
       "RSET now",
       "501 5.5.4 Syntax: this command takes no arguments\r\n"},
      {"no argument (DATA)",
       need::no_argument,
       {},
       {"EHLO c"},
       "DATA now",
       "501 5.5.4 Syntax: this command takes no arguments\r\n",
       true},
      {"argument (HELO)", need::argument, {}, {}, "HELO", "501 5.5.4 Syntax: HELO hostname\r\n"},
      {"argument (EHLO)", need::argument, {}, {}, "EHLO  ", "501 5.5.4 Syntax: EHLO hostname\r\n"},
      {"argument (LHLO)",
       need::argument,
       {},
       {},
       "LHLO",
       "501 5.5.4 Syntax: LHLO hostname\r\n",
       false,
       true},
      {"smtp (EHLO on LMTP)",
       need::smtp,
       {},
       {},
       "EHLO c",
       "500 5.5.1 Error: this is LMTP, send LHLO\r\n",
       false,
       true},
      {"greeting (LMTP)",
       need::greeting,
       {},
       {},
       "MAIL FROM:<a@b.example>",
       "503 5.5.1 Error: send LHLO first\r\n",
       true,
       true},
      {"argument (VRFY)",
       need::argument,
       {},
       {"EHLO c"},
       "VRFY",
       "501 5.5.4 Syntax: VRFY address\r\n"},
      {"auth enabled",
       need::auth_enabled,
       {},
       {"EHLO c"},
       "AUTH PLAIN",
       "502 5.5.1 Error: authentication not enabled\r\n"},
      {"auth enabled, before the greeting",
       need::auth_enabled,
       {},
       {},
       "AUTH PLAIN",
       "502 5.5.1 Error: authentication not enabled\r\n"},
      {"TLS not yet active",
       need::no_tls,
       tls_on,
       {"EHLO c", "STARTTLS", "!tls"},
       "STARTTLS",
       "554 5.5.1 Error: TLS already active\r\n"},
      {"TLS offered",
       need::tls_offered,
       {},
       {"EHLO c"},
       "STARTTLS",
       "502 5.5.1 Error: command not implemented\r\n"},
      {"greeting (MAIL)",
       need::greeting,
       {},
       {},
       "MAIL FROM:<a@b.example>",
       "503 5.5.1 Error: send HELO/EHLO first\r\n",
       true},
      {"greeting (AUTH)",
       need::greeting,
       auth_on,
       {},
       "AUTH PLAIN",
       "503 5.5.1 Error: send HELO/EHLO first\r\n"},
      {"greeting before TLS required",
       need::greeting,
       [](SessionConfig& c) { c.tls = Requirement::required; },
       {},
       "MAIL FROM:<a@b.example>",
       "503 5.5.1 Error: send HELO/EHLO first\r\n",
       true},
      {"not yet authenticated",
       need::no_auth,
       auth_on,
       {"EHLO c", plain_alice},
       "AUTH PLAIN",
       "503 5.5.1 Error: already authenticated\r\n"},
      {"no transaction (MAIL)",
       need::no_transaction,
       {},
       {"EHLO c", "MAIL FROM:<a@b.example>"},
       "MAIL FROM:<a@b.example>",
       "503 5.5.1 Error: nested MAIL command\r\n",
       true},
      {"no transaction (AUTH)",
       need::no_transaction,
       auth_on,
       {"EHLO c", "MAIL FROM:<a@b.example>"},
       "AUTH PLAIN",
       "503 5.5.1 Error: MAIL transaction in progress\r\n"},
      {"TLS when required",
       need::tls_if_required,
       [](SessionConfig& c) { c.tls = Requirement::required; },
       {"EHLO c"},
       "MAIL FROM:<a@b.example>",
       "530 5.7.0 Must issue a STARTTLS command first\r\n",
       true},
      {"AUTH when required",
       need::auth_if_required,
       [](SessionConfig& c) {
         auth_on(c);
         c.auth = Requirement::required;
       },
       {"EHLO c"},
       "MAIL FROM:<a@b.example>",
       "530 5.7.0 Authentication required\r\n",
       true},
      {"transaction (RCPT)",
       need::transaction,
       {},
       {"EHLO c"},
       "RCPT TO:<c@d.example>",
       "503 5.5.1 Error: need MAIL command\r\n",
       true},
      {"transaction (DATA)",
       need::transaction,
       {},
       {"EHLO c"},
       "DATA",
       "503 5.5.1 Error: need MAIL command\r\n",
       true},
      {"recipients, none tried",
       need::recipients,
       {},
       {"EHLO c", "MAIL FROM:<a@b.example>"},
       "DATA",
       "503 5.5.1 Error: need RCPT command\r\n",
       true},
      {"recipients, all refused",
       need::recipients,
       {},
       {"EHLO c", "MAIL FROM:<a@b.example>", "-RCPT TO:<bad>"},
       "DATA",
       "554 5.5.1 Error: no valid recipients\r\n",
       true},
      {"no chunks (DATA after BDAT)",
       need::no_chunks,
       {},
       {"EHLO c", "MAIL FROM:<a@b.example>", "RCPT TO:<c@d.example>", "=BDAT 1\r\nx"},
       "DATA",
       "503 5.5.1 Error: DATA and BDAT cannot be mixed in one transaction\r\n",
       true},
      {"chunking (BDAT without CHUNKING)",
       need::chunking,
       [](SessionConfig& c) { c.extensions = {Extension::enhancedstatuscodes}; },
       {"EHLO c", "MAIL FROM:<a@b.example>", "RCPT TO:<c@d.example>"},
       "BDAT 1 LAST",
       "502 5.5.1 Error: command not implemented\r\n",
       true},
  };
}

}  // namespace

TEST_CASE("command table: each precondition gives its reply", "[smtp][command-table]") {
  std::set<unsigned> covered;
  for (const auto& c : unmet_cases()) {
    DYNAMIC_SECTION(c.what) {
      Harness h(c.config, {}, nullptr, c.lmtp);
      h.start();
      for (const auto& line : c.before) {
        if (line == "!tls") {
          h.tls_started();
          continue;
        }
        // "-": a line expected to be refused; "=": bytes sent as they are.
        const bool refusal = line.starts_with("-");
        const auto reply = line.starts_with("=") ? h.send(line.substr(1))
                                                 : h.line(refusal ? line.substr(1) : line);
        CAPTURE(line, reply);
        REQUIRE(!reply.empty());
        REQUIRE((reply[0] < '4') != refusal);
      }
      const auto refusals = h.policy.refusals.size();
      const auto events = h.policy.seen.size();
      CHECK(h.line(c.line) == c.reply);
      CHECK(h.policy.seen.size() == events);  // the handler did not run: no event
      REQUIRE(h.policy.refusals.size() == refusals + (c.refused ? 1 : 0));
      if (c.refused) CHECK(h.policy.refusals.back().wire == c.reply);
      CHECK_FALSE(h.stopped());
    }
    covered.insert(c.precondition);
  }
  // Every precondition (not the two dispatch flags) is exercised above.
  for (unsigned bit = 1; bit < static_cast<unsigned>(need::ends_group); bit <<= 1) {
    CAPTURE(bit);
    CHECK(covered.count(bit) == 1);
  }
  CHECK(covered.count(need::chunking) == 1);
  CHECK(covered.count(need::smtp) == 1);
}

TEST_CASE("command table: LHLO is an unknown command but on LMTP", "[smtp][command-table]") {
  Harness h;
  h.start();
  CHECK(h.line("LHLO c") == "502 5.5.2 Error: command not recognized\r\n");
  CHECK(h.policy.seen.back().kind == EventKind::unknown);  // the scenario's `unknown` rules
}

TEST_CASE("command table: a failed precondition counts as an error", "[smtp][command-table]") {
  Harness h([](SessionConfig& c) { c.limits.hard_errors = 3; });
  h.start();
  CHECK(h.line("RSET x").starts_with("501"));
  CHECK(h.line("MAIL FROM:<a@b.example>").starts_with("503"));
  CHECK(h.line("DATA") ==
        "503 5.5.1 Error: need MAIL command\r\n"
        "421 4.7.0 mx.test Error: too many errors\r\n");
  CHECK(h.stopped());
}

TEST_CASE("command table: dispatch flags", "[smtp][command-table]") {
  SECTION("after a 554 banner only the after_554 rows run") {
    Harness h({}, [](ScriptedPolicy& p) {
      p.decisions[EventKind::connect] = reply_with(554, "5.7.1", "go away");
    });
    h.start();
    for (const auto& row : command_table()) {
      if (row.needs & need::after_554) continue;
      CAPTURE(row.name);
      CHECK(h.line(std::string(row.name) + " x") ==
            "503 5.5.1 Error: no SMTP service here, send QUIT\r\n");
      if (h.stopped()) break;  // the error limit
    }
    Harness q({}, [](ScriptedPolicy& p) {
      p.decisions[EventKind::connect] = reply_with(554, "5.7.1", "go away");
    });
    q.start();
    CHECK(q.line("QUIT") == "221 2.0.0 Bye\r\n");
  }
  SECTION("under forbid_improper_pipelining, an ends_group row followed by input closes") {
    for (const auto& row : command_table()) {
      const bool lmtp = (row.needs & need::lmtp) != 0;
      Harness h([](SessionConfig& c) { c.forbid_improper_pipelining = true; }, {}, nullptr, lmtp);
      h.start();
      REQUIRE(h.line(lmtp ? "LHLO c" : "EHLO c").starts_with("250"));
      CAPTURE(row.name);
      const auto reply = h.send(std::string(row.name) + " x\r\nNOOP\r\n");
      const bool closed = reply.starts_with("554 5.5.0 Error: SMTP protocol synchronization");
      CHECK(closed == ((row.needs & need::ends_group) != 0));
    }
  }
}

TEST_CASE("command table: a row's event is what its handler asks the Policy",
          "[smtp][command-table]") {
  // For each row, a valid use of it after what its preconditions need.
  struct Use {
    std::vector<std::string> before;
    std::string line;
  };
  const std::vector<std::string> open = {"EHLO c", "MAIL FROM:<a@b.example>",
                                         "RCPT TO:<c@d.example>"};
  const std::map<std::string_view, Use> uses = {
      {"HELO", {{}, "HELO c"}},
      {"EHLO", {{}, "EHLO c"}},
      {"LHLO", {{}, "LHLO c"}},
      {"MAIL", {{"EHLO c"}, "MAIL FROM:<a@b.example>"}},
      {"RCPT", {{"EHLO c", "MAIL FROM:<a@b.example>"}, "RCPT TO:<c@d.example>"}},
      {"DATA", {open, "DATA"}},
      {"BDAT", {open, "BDAT 0"}},
      {"RSET", {{"EHLO c"}, "RSET"}},
      {"NOOP", {{}, "NOOP"}},
      {"VRFY", {{}, "VRFY bob"}},
      {"EXPN", {{}, "EXPN list"}},
      {"HELP", {{}, "HELP"}},
      {"QUIT", {{}, "QUIT"}},
      {"STARTTLS", {{"EHLO c"}, "STARTTLS"}},
      {"AUTH", {{"EHLO c"}, plain_alice}},
  };
  for (const auto& row : command_table()) {
    CAPTURE(row.name);
    const auto use = uses.find(row.name);
    REQUIRE(use != uses.end());  // a new row needs a use here
    Harness h(
        [](SessionConfig& c) {
          tls_on(c);
          auth_on(c);
        },
        {}, nullptr, (row.needs & need::lmtp) != 0);
    h.start();
    for (const auto& line : use->second.before) REQUIRE(h.line(line)[0] < '4');
    const auto seen = h.policy.seen.size();
    const auto reply = h.line(use->second.line);
    CAPTURE(reply);
    CHECK((reply.empty() || reply[0] < '4' || row.verb == Verb::expn));  // EXPN: always 502
    if (row.event) {
      REQUIRE(h.policy.seen.size() > seen);
      CHECK(h.policy.seen[seen].kind == *row.event);
    } else {
      CHECK(h.policy.seen.size() == seen);
    }
  }
}
