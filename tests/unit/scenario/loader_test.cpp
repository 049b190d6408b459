// The loader: a complete file, the [server] table, and errors with exact positions and keys.
#include <catch2/catch.hpp>

#include "support.hpp"

using namespace test;
using scenario::Requirement;

TEST_CASE("a complete scenario loads with every key", "[scenario][loader]") {
  auto s = load(R"(
name = "full"
description = "every key"
seed = 42

[server]
hostname = "mx.example.test"
banner = "ESMTP ready"
max_size = "10MiB"
max_recipients = 50
auth = "required"
tls = "optional"
users = { alice = "secret", bob = "hunter2" }
reply_domain = "bounce.test"

[[rule]]
on = ["mail", "rcpt"]
from = "*@spammer.test"
client_ip = ["10.0.0.0/8", "2001:db8::/32"]
tls = false
size_over = "1MiB"
reply = "552 5.3.4 too big"
delay = "500ms"
drip = "100ms"
disconnect = true

[[rule]]
on = "rcpt"
rcpt = "re:^retry"
helo = "*.example"
auth_user = "alice"
attempts = "1-2"
greylist = { retry_after = "2s", expire = "4h" }
quota = "10KiB"
rate_limit = { max = 5, per = "1m", key = "from" }
probability = 0.5
reply = ["451-4.7.1 first line", "451 4.7.1 second {rcpt}"]

[[rule]]
on = "message"
header.Subject = "re:(?i)viagra"
header.X-Spam = "yes"
body = "*unsubscribe*"
nth_message = "2-"
drop = true

[[rule]]
on = "*"
hang = true
)");
  CHECK(s->name == "full");
  CHECK(s->description == "every key");
  CHECK(s->seed == 42);
  CHECK(s->seed_given);
  CHECK(s->server.hostname == "mx.example.test");
  CHECK(s->server.banner == "ESMTP ready");
  CHECK(s->server.max_size == 10u * 1024 * 1024);
  CHECK(s->server.max_recipients == 50u);
  CHECK(s->server.auth == Requirement::required);
  CHECK(s->server.tls == Requirement::optional);
  REQUIRE(s->server.users);
  CHECK(s->server.users->at("alice") == "secret");
  CHECK(s->server.reply_domain == "bounce.test");
  REQUIRE(s->rules.size() == 4);

  const auto& r0 = s->rules[0];
  CHECK(r0.on == (scenario::event_bit(EventKind::mail) | scenario::event_bit(EventKind::rcpt)));
  CHECK(r0.client_ip.size() == 2);
  CHECK(r0.tls == false);
  CHECK(r0.size_over == 1048576u);
  CHECK(r0.delay == std::chrono::milliseconds(500));
  CHECK(r0.drip == std::chrono::milliseconds(100));
  CHECK(r0.disconnect);
  REQUIRE(r0.reply);
  CHECK(r0.reply->raw().code == 552);
  CHECK(r0.line == 16);

  const auto& r1 = s->rules[1];
  REQUIRE(r1.greylist);
  CHECK(r1.greylist->retry_after == std::chrono::seconds(2));
  CHECK(r1.greylist->expire == std::chrono::hours(4));
  REQUIRE(r1.rate_limit);
  CHECK(r1.rate_limit->max == 5u);
  CHECK(r1.rate_limit->per == std::chrono::minutes(1));
  CHECK(r1.rate_limit->key == scenario::RateKey::from);
  CHECK(r1.quota == 10240u);
  CHECK(r1.probability == 0.5);
  REQUIRE(r1.reply);
  CHECK(r1.reply->raw().text == "first line\nsecond {rcpt}");

  const auto& r2 = s->rules[2];
  REQUIRE(r2.headers.size() == 2);
  CHECK(r2.headers[0].name == "Subject");
  CHECK(r2.drop);
  CHECK(s->rules[3].on == scenario::all_events);
  // The index lists rules per event, in order.
  CHECK(s->by_event[static_cast<std::size_t>(EventKind::rcpt)] ==
        std::vector<std::uint32_t>{0, 1, 3});
  CHECK(s->by_event[static_cast<std::size_t>(EventKind::message)] ==
        std::vector<std::uint32_t>{2, 3});
  CHECK(s->stateful_event[static_cast<std::size_t>(EventKind::rcpt)]);
  CHECK_FALSE(s->stateful_event[static_cast<std::size_t>(EventKind::message)]);
  CHECK(s->has_quota);
}

TEST_CASE("[server] certificate and tls_handshake name TLS faults", "[scenario][loader]") {
  using scenario::Certificate;
  using scenario::TlsHandshake;
  const std::pair<const char*, Certificate> certificates[] = {
      {"valid", Certificate::valid},
      {"self-signed", Certificate::self_signed},
      {"expired", Certificate::expired},
      {"not-yet-valid", Certificate::not_yet_valid},
      {"wrong-host", Certificate::wrong_host}};
  for (const auto& [name, value] : certificates) {
    INFO(name);
    auto s = load(std::string("[server]\ncertificate = \"") + name + "\"\n");
    CHECK(s->server.certificate == value);
    CHECK_FALSE(s->server.tls_handshake);
  }
  const std::pair<const char*, TlsHandshake> handshakes[] = {{"normal", TlsHandshake::normal},
                                                             {"abort", TlsHandshake::abort},
                                                             {"close", TlsHandshake::close}};
  for (const auto& [name, value] : handshakes) {
    INFO(name);
    auto s = load(std::string("[server]\ntls_handshake = \"") + name + "\"\n");
    CHECK(s->server.tls_handshake == value);
    CHECK_FALSE(s->server.certificate);
  }
  // Unset: the server's own certificate, handshakes completed.
  auto plain = load("[server]\nhostname = \"mx.test\"\n");
  CHECK_FALSE(plain->server.certificate);
  CHECK_FALSE(plain->server.tls_handshake);
}

TEST_CASE("defaults: name from the file, no [server] settings, random seed", "[scenario][loader]") {
  auto r = scenario::load_scenario_text("", "dir/my-scenario.toml");
  REQUIRE(r.ok());
  CHECK(r.scenario->name == "my-scenario");
  CHECK_FALSE(r.scenario->seed_given);
  CHECK_FALSE(r.scenario->server.hostname);
  CHECK_FALSE(r.scenario->server.users);
  CHECK(r.scenario->server.reply_domain == "reply.test");
  CHECK(r.scenario->rules.empty());
  CHECK(r.scenario->source.empty());
}

TEST_CASE("errors name FILE:LINE:COL, the key and what was expected", "[scenario][loader]") {
  struct Case {
    const char* toml;
    std::uint32_t line, column;
    const char* key;       // the message starts with it
    const char* expected;  // and contains this
  };
  const Case cases[] = {
      {"name = \"x\"\nnmae = \"y\"\n", 2, 1, "nmae: unknown key", "name, description, seed"},
      {"[[rule]]\non = \"rcpt\"\nrpct = \"x\"\n", 3, 1, "rule[0].rpct: unknown key", "rcpt"},
      {"[[rule]]\non = \"recipient\"\n", 2, 6, "rule[0].on: unknown event \"recipient\"", "rcpt"},
      {"[[rule]]\non = [\"rcpt\", \"bogus\"]\n", 2, 15, "rule[0].on: unknown event", "\"*\""},
      {"[[rule]]\nrcpt = \"x\"\n", 1, 1, "rule[0].on: missing", "on = \"rcpt\""},
      {"[[rule]]\non = \"rcpt\"\nattempts = \"two\"\n", 3, 12, "rule[0].attempts", "\"1-3\""},
      {"[[rule]]\non = \"rcpt\"\nattempts = \"3-1\"\n", 3, 12, "rule[0].attempts", "range"},
      {"[[rule]]\non = \"rcpt\"\ndelay = \"5 minutes\"\n", 3, 9, "rule[0].delay", "\"500ms\""},
      {"[[rule]]\non = \"rcpt\"\nsize_over = \"1TB\"\n", 3, 13, "rule[0].size_over", "\"1MiB\""},
      {"[[rule]]\non = \"rcpt\"\nreply = \"hello\"\n", 3, 9, "rule[0].reply", "2xx-5xx"},
      {"[[rule]]\non = \"rcpt\"\nreply = \"650 bad\"\n", 3, 9, "rule[0].reply", "2xx-5xx"},
      {"[[rule]]\non = \"rcpt\"\nreply = \"550 4.1.1 mixed\"\n", 3, 9, "rule[0].reply", "class"},
      {"[[rule]]\non = \"rcpt\"\nreply = \"550 5.1.1 {nope}\"\n", 3, 9, "rule[0].reply", "{nope}"},
      {"[[rule]]\non = \"rcpt\"\nreply = [\"550-5.1.1 a\", \"451 4.0.0 b\"]\n", 3, 9,
       "rule[0].reply", "same code"},
      {"[[rule]]\non = \"rcpt\"\nfrom = \"re:(\"\n", 3, 8, "rule[0].from", "regular expression"},
      {"[[rule]]\non = \"rcpt\"\nclient_ip = \"10.0.0.0/33\"\n", 3, 13, "rule[0].client_ip",
       "CIDR"},
      {"[[rule]]\non = \"rcpt\"\ntls = \"yes\"\n", 3, 7, "rule[0].tls", "true or false"},
      {"[[rule]]\non = \"rcpt\"\nprobability = 1.5\n", 3, 15, "rule[0].probability", "0 to 1"},
      {"[[rule]]\non = \"rcpt\"\nheader.Subject = \"x\"\n", 3, 1, "rule[0].header",
       "applies at: message"},
      {"[[rule]]\non = [\"message\", \"rcpt\"]\nbody = \"x\"\n", 3, 1, "rule[0].body",
       "does not apply at rcpt"},
      {"[[rule]]\non = \"mail\"\ngreylist = { retry_after = \"2s\" }\n", 3, 1, "rule[0].greylist",
       "applies at: rcpt"},
      {"[[rule]]\non = \"rcpt\"\ngreylist = { retry = \"2s\" }\n", 3, 14,
       "rule[0].greylist.retry: unknown key", "retry_after, expire"},
      {"[[rule]]\non = \"rcpt\"\nrate_limit = { max = 5, per = \"1m\", key = \"ip\" }\n", 3, 43,
       "rule[0].rate_limit.key", "client_ip, from"},
      {"[[rule]]\non = \"mail\"\nrate_limit = { max = 5, per = \"1m\", key = \"rcpt\" }\n", 3, 43,
       "rule[0].rate_limit.key", "no value at mail"},
      {"[[rule]]\non = \"rcpt\"\nrate_limit = { per = \"1m\" }\n", 3, 14, "rule[0].rate_limit.max",
       "missing"},
      {"[[rule]]\non = \"connect\"\nfrom = \"x\"\n", 3, 1, "rule[0].from", "does not apply"},
      {"[[rule]]\non = \"rcpt\"\ndrop = true\nreply = \"550 x\"\n", 1, 1, "rule[0].reply",
       "never sent with drop"},
      {"[[rule]]\non = \"rcpt\"\ndrop = true\nhang = true\n", 1, 1, "rule[0]", "choose one"},
      {"[[rule]]\non = \"rcpt\"\nrate_limit = { max = 5, per = \"0s\" }\n", 3, 31,
       "rule[0].rate_limit.per", "longer than 0s"},
      {"[server]\nauth = \"maybe\"\n", 2, 8, "server.auth", "\"required\""},
      {"[server]\nhostnme = \"x\"\n", 2, 1, "server.hostnme: unknown key", "hostname"},
      {"[server]\ncertificate = \"expried\"\n", 2, 15, "server.certificate",
       "expected \"valid\", \"self-signed\", \"expired\", \"not-yet-valid\" or \"wrong-host\", "
       "got \"expried\""},
      {"[server]\ncertificate = true\n", 2, 15, "server.certificate", "string"},
      {"[server]\ntls_handshake = \"fail\"\n", 2, 17, "server.tls_handshake",
       "\"normal\", \"abort\" or \"close\""},
      {"[server]\ncert = \"expired\"\n", 2, 1, "server.cert: unknown key", "certificate"},
      {"[server]\nmax_recipients = 0\n", 2, 18, "server.max_recipients", ">= 1"},
      {"[server]\nextensions = \"SIZE\"\n", 2, 14, "server.extensions", "list of EHLO keywords"},
      {"[server]\nextensions = [\"SIZE\", \"XEXCH50\"]\n", 2, 23, "server.extensions[1]",
       "unknown extension \"XEXCH50\""},
      {"[server]\nextensions = [\"DSN\", \"dsn\"]\n", 2, 22, "server.extensions[1]",
       "listed twice"},
      {"[server]\nextensions = [\"SIZE\", 8]\n", 2, 23, "server.extensions[1]", "string"},
      {"[server]\nextensions = { XEXCH50 = true }\n", 2, 16, "server.extensions.XEXCH50",
       "unknown extension \"XEXCH50\""},
      {"[server]\nextensions = { CHUNKING = \"no\" }\n", 2, 27, "server.extensions.CHUNKING",
       "expected true or false"},
      {"[server]\ntls = \"required\"\nextensions = [\"SIZE\"]\n", 2, 7, "server.tls",
       "needs \"STARTTLS\""},
      {"[server]\nauth = \"required\"\nextensions = [\"STARTTLS\"]\n", 2, 8, "server.auth",
       "needs \"AUTH\""},
      {"seed = \"42\"\n", 1, 8, "seed", "integer"},
      {"rule = 3\n", 1, 8, "rule", "[[rule]]"},
      {"name = \"x\"\n[[rule]]\non = \"rcpt\"\nreply = 'unterminated\n", 4, 0, "", ""},
  };
  for (const auto& c : cases) {
    INFO(c.toml);
    const auto e = first_error(c.toml);
    INFO(e.str());
    CHECK(e.origin == "bad.toml");
    CHECK(e.line == c.line);
    if (c.column) CHECK(e.column == c.column);
    CHECK_THAT(e.message, Catch::StartsWith(c.key));
    CHECK_THAT(e.message, Catch::Contains(c.expected));
    CHECK_THAT(e.str(), Catch::StartsWith("bad.toml:" + std::to_string(c.line) + ":"));
  }
}

TEST_CASE("[server] extensions: the EHLO list as written, order kept", "[scenario][loader]") {
  using smtp::Extension;
  auto s = load(
      "[server]\nextensions = [\"SIZE\", \"8bitmime\", \"STARTTLS\", \"ENHANCEDSTATUSCODES\", "
      "\"PIPELINING\", \"CHUNKING\", \"SMTPUTF8\"]\n");
  REQUIRE(s->server.extensions);
  CHECK(*s->server.extensions ==
        std::vector<Extension>{Extension::size, Extension::eightbitmime, Extension::starttls,
                               Extension::enhancedstatuscodes, Extension::pipelining,
                               Extension::chunking, Extension::smtputf8});
  CHECK(load("[server]\nextensions = []\n")->server.extensions->empty());
  // Switches over the default list: off removes, on adds at the end.
  auto switched = load("[server]\nextensions = { CHUNKING = false, binarymime = true }\n");
  std::vector<Extension> expected(smtp::default_extensions.begin(), smtp::default_extensions.end());
  std::erase(expected, Extension::chunking);
  expected.push_back(Extension::binarymime);
  CHECK(*switched->server.extensions == expected);
  CHECK_FALSE(load("[server]\nhostname = \"mx.test\"\n")->server.extensions);
}

TEST_CASE("every error of a file is reported, in file order", "[scenario][loader]") {
  auto r = scenario::load_scenario_text(
      "bogus = 1\n[[rule]]\non = \"rcpt\"\nattempts = \"x\"\n[[rule]]\non = \"nope\"\n", "f.toml");
  REQUIRE(r.errors.size() == 3);
  CHECK(r.errors[0].line == 1);
  CHECK(r.errors[1].line == 4);
  CHECK(r.errors[2].line == 6);
  CHECK_THAT(r.error_text(), Catch::Contains("f.toml:4:12: rule[0].attempts"));
}

TEST_CASE("load_scenario: built-in names and paths", "[scenario][loader]") {
  auto b = scenario::load_scenario("accept-all");
  REQUIRE(b.ok());
  CHECK(b.scenario->origin == "builtin:accept-all");
  CHECK(b.scenario->name == "accept-all");
  auto f = scenario::load_scenario(BOUNCEBACK_SOURCE_DIR "/scenarios/accept-all.toml");
  REQUIRE(f.ok());
  CHECK(f.scenario->source == b.scenario->source);
  auto missing = scenario::load_scenario("no-such-scenario");
  REQUIRE_FALSE(missing.ok());
  CHECK_THAT(missing.error_text(), Catch::Contains("accept-all"));
  auto missing_file = scenario::load_scenario("/nonexistent/x.toml");
  REQUIRE_FALSE(missing_file.ok());
  CHECK_THAT(missing_file.error_text(), Catch::Contains("cannot open"));
}

TEST_CASE("header patterns as dotted keys or a [rule.header] table", "[scenario][loader]") {
  auto s = load(R"(
[[rule]]
on = "message"
header.Subject = "re:(?i)viagra"
[[rule]]
on = "message"
reply = "550 5.7.1 bulk"
[rule.header]
Precedence = "bulk"
X-Mailer = "BulkMailer*"
)");
  REQUIRE(s->rules.size() == 2);
  REQUIRE(s->rules[1].headers.size() == 2);
  CHECK(s->rules[1].headers[0].name == "Precedence");
  CHECK(s->rules[1].headers[1].pattern.matches("bulkmailer 3"));
}
