// SMTP AUTH: base64, the SASL exchanges (PLAIN, LOGIN, CRAM-MD5, XOAUTH2), and the session's
// AUTH command through the in-memory harness (sequence rules, 538, the auth event, redaction).
#include "smtp/auth.hpp"

#include <catch2/catch.hpp>
#include <string>

#include "harness.hpp"
#include "smtp/base64.hpp"

using namespace bounceback::smtp;
using namespace bounceback::smtp::test;
using auth::Exchange;
using S = auth::Exchange::Status;

namespace {

std::string b64(std::string_view s) {
  return bounceback::smtp::base64_encode(s);
}

// Accepts alice/secret (password or token); CRAM-MD5 digests are checked against one
// precomputed value (the RFC 2195 example), since the pure library has no HMAC.
class TestAuthenticator final : public auth::Authenticator {
 public:
  bool verify(const auth::Credentials& c) const override {
    if (c.mechanism == auth::Mechanism::cram_md5)
      return c.user == "tim" && c.secret == "b913a602c7eda7a495b4e6e7334d3890" &&
             c.challenge == "<1896.697170952@postoffice.reston.mci.net>";
    return c.user == "alice" && c.secret == "secret";
  }
};

void with_auth(SessionConfig& c) {
  c.auth = Requirement::optional;
  c.auth_plaintext = true;
  c.authenticator = std::make_shared<TestAuthenticator>();
}

void greet(Harness& h) {
  h.start();
  REQUIRE(h.line("EHLO client.test").starts_with("250-mx.test"));
}

}  // namespace

TEST_CASE("auth: base64 round trips and refuses bad input", "[smtp][auth]") {
  const auto [plain, encoded] = GENERATE(table<std::string, std::string>({
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foobar", "Zm9vYmFy"},
      {std::string("\0alice\0secret", 13), "AGFsaWNlAHNlY3JldA=="},
  }));
  CAPTURE(encoded);
  CHECK(bounceback::smtp::base64_encode(plain) == encoded);
  CHECK(bounceback::smtp::base64_decode(encoded) == plain);

  const auto bad = GENERATE(as<std::string>{}, "Zm9v!", "Z", "Zm9=v", "Zg=", "Zm 9v", "Zg===");
  CAPTURE(bad);
  CHECK_FALSE(bounceback::smtp::base64_decode(bad));
  CHECK(bounceback::smtp::base64_decode("Zg") == "f");  // missing padding is tolerated
}

TEST_CASE("auth: mechanism table", "[smtp][auth]") {
  CHECK(auth::advertised() == "PLAIN LOGIN CRAM-MD5 XOAUTH2");
  CHECK(auth::parse_mechanism("cram-md5") == auth::Mechanism::cram_md5);
  CHECK(auth::parse_mechanism("Plain") == auth::Mechanism::plain);
  CHECK_FALSE(auth::parse_mechanism("GSSAPI"));
  CHECK(auth::to_string(auth::Mechanism::xoauth2) == "XOAUTH2");
}

TEST_CASE("auth: transcript redaction keeps the mechanism only", "[smtp][auth]") {
  CHECK(auth::shown_prefix("AUTH PLAIN AGFsaWNlAHNlY3JldA==") == 10);
  CHECK(auth::shown_prefix("auth login YWxpY2U=") == 10);
  CHECK(auth::shown_prefix("AUTH LOGIN") == 10);
  CHECK(auth::shown_prefix("MAIL FROM:<a@b>") == 15);
}

TEST_CASE("auth: SASL exchanges", "[smtp][auth]") {
  SECTION("PLAIN with an initial response, authzid kept") {
    Exchange x(auth::Mechanism::plain);
    const auto s = x.start(b64(std::string("admin\0alice\0secret", 18)));
    CHECK(s.status == S::done);
    CHECK(x.credentials().authzid == "admin");
    CHECK(x.credentials().user == "alice");
    CHECK(x.credentials().secret == "secret");
  }
  SECTION("PLAIN without an initial response asks with an empty challenge") {
    Exchange x(auth::Mechanism::plain);
    const auto s = x.start(std::nullopt);
    CHECK(s.status == S::challenge);
    CHECK(s.challenge.empty());
    CHECK(x.respond(b64(std::string("\0alice\0secret", 13))).status == S::done);
  }
  SECTION("PLAIN: '=' is an empty initial response, which is malformed") {
    Exchange x(auth::Mechanism::plain);
    CHECK(x.start("=").status == S::malformed);
  }
  SECTION("PLAIN malformed: one NUL, empty user") {
    CHECK(Exchange(auth::Mechanism::plain).start(b64("alice\0secret")).status == S::malformed);
    CHECK(Exchange(auth::Mechanism::plain).start(b64(std::string("\0\0pw", 4))).status ==
          S::malformed);
  }
  SECTION("LOGIN asks Username: then Password:") {
    Exchange x(auth::Mechanism::login);
    auto s = x.start(std::nullopt);
    CHECK(s.status == S::challenge);
    CHECK(s.challenge == "VXNlcm5hbWU6");
    s = x.respond(b64("alice"));
    CHECK(s.status == S::challenge);
    CHECK(s.challenge == "UGFzc3dvcmQ6");
    CHECK(x.respond(b64("secret")).status == S::done);
    CHECK(x.credentials().user == "alice");
    CHECK(x.credentials().secret == "secret");
  }
  SECTION("LOGIN with the user name as initial response") {
    Exchange x(auth::Mechanism::login);
    CHECK(x.start(b64("alice")).challenge == "UGFzc3dvcmQ6");
    CHECK(x.respond(b64("secret")).status == S::done);
  }
  SECTION("CRAM-MD5 (RFC 2195 example)") {
    Exchange x(auth::Mechanism::cram_md5, "<1896.697170952@postoffice.reston.mci.net>");
    const auto s = x.start(std::nullopt);
    CHECK(s.status == S::challenge);
    CHECK(s.challenge == "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+");
    CHECK(x.respond("dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw").status == S::done);
    CHECK(x.credentials().user == "tim");
    CHECK(x.credentials().secret == "b913a602c7eda7a495b4e6e7334d3890");
  }
  SECTION("CRAM-MD5 refuses an initial response and a bad digest") {
    CHECK(Exchange(auth::Mechanism::cram_md5, "<x@y>").start("dGlt").status == S::malformed);
    Exchange x(auth::Mechanism::cram_md5, "<x@y>");
    x.start(std::nullopt);
    CHECK(x.respond(b64("tim nothex")).status == S::malformed);
  }
  SECTION("XOAUTH2, then its error challenge on reject") {
    Exchange x(auth::Mechanism::xoauth2);
    CHECK(x.start(b64("user=alice\x01"
                      "auth=Bearer tok123\x01\x01"))
              .status == S::done);
    CHECK(x.credentials().user == "alice");
    CHECK(x.credentials().secret == "tok123");
    const auto s = x.reject();
    CHECK(s.status == S::challenge);
    CHECK(bounceback::smtp::base64_decode(s.challenge)->find("\"status\":\"401\"") !=
          std::string::npos);
    CHECK(x.respond("").status == S::failed);
  }
  SECTION("cancellation and bad base64") {
    Exchange x(auth::Mechanism::login);
    x.start(std::nullopt);
    CHECK(x.respond("*").status == S::cancelled);
    Exchange y(auth::Mechanism::plain);
    y.start(std::nullopt);
    CHECK(y.respond("!!!").status == S::bad_base64);
  }
}

TEST_CASE("session AUTH: advertising follows TLS and configuration", "[smtp][auth][session]") {
  SECTION("off: not listed, 502") {
    Harness h([](SessionConfig& c) { c.tls_available = true; });
    greet(h);
    CHECK(h.line("AUTH PLAIN") == "502 5.5.1 Error: authentication not enabled\r\n");
  }
  SECTION("TLS-only: not listed in plain text, 538 there; listed and usable after TLS") {
    Harness h([](SessionConfig& c) {
      c.tls_available = true;
      c.auth = Requirement::optional;
    });
    h.start();
    const auto ehlo = h.line("EHLO client.test");
    CHECK(ehlo.find("AUTH") == std::string::npos);
    CHECK(ehlo.find("250-STARTTLS") != std::string::npos);
    CHECK(h.line("AUTH PLAIN " + b64(std::string("\0alice\0secret", 13))) ==
          "538 5.7.11 Encryption required for requested authentication mechanism\r\n");
    CHECK(h.line("STARTTLS") == "220 2.0.0 Ready to start TLS\r\n");
    h.tls_started();
    const auto after = h.line("EHLO client.test");
    CHECK(after.find("STARTTLS") == std::string::npos);
    CHECK(after.find("250-AUTH PLAIN LOGIN CRAM-MD5 XOAUTH2\r\n") != std::string::npos);
    CHECK(h.line("AUTH PLAIN " + b64(std::string("\0alice\0secret", 13))) ==
          "235 2.7.0 Authentication successful\r\n");
    CHECK(h.session->facts().auth_user == "alice");
  }
  SECTION("plaintext allowed") {
    Harness h(with_auth);
    h.start();
    CHECK(h.line("EHLO client.test").find("250-AUTH PLAIN LOGIN CRAM-MD5 XOAUTH2\r\n") !=
          std::string::npos);
  }
}

TEST_CASE("session AUTH: exchanges, errors and sequence", "[smtp][auth][session]") {
  Harness h(with_auth);

  SECTION("AUTH needs EHLO first") {
    h.start();
    CHECK(h.line("AUTH PLAIN") == "503 5.5.1 Error: send HELO/EHLO first\r\n");
  }
  greet(h);
  SECTION("LOGIN lock-step, then 503 on a second AUTH; the message carries the user") {
    CHECK(h.line("AUTH LOGIN") == "334 VXNlcm5hbWU6\r\n");
    CHECK(h.line(b64("alice")) == "334 UGFzc3dvcmQ6\r\n");
    CHECK(h.line(b64("secret")) == "235 2.7.0 Authentication successful\r\n");
    CHECK(h.line("AUTH PLAIN") == "503 5.5.1 Error: already authenticated\r\n");
    CHECK(h.line("MAIL FROM:<a@b.example>") == "250 2.1.0 Ok\r\n");
    CHECK(h.line("RCPT TO:<c@d.example>") == "250 2.1.5 Ok\r\n");
    CHECK(h.line("DATA").starts_with("354"));
    CHECK(h.send("x\r\n.\r\n").starts_with("250 2.0.0 Ok: queued"));
    REQUIRE(h.sink.messages.size() == 1);
    CHECK(h.sink.messages[0].auth_user == "alice");
  }
  SECTION("bad password: 535, not authenticated, may retry") {
    CHECK(h.line("AUTH PLAIN " + b64(std::string("\0alice\0wrong", 12))) ==
          "535 5.7.8 Error: authentication failed: authentication failure\r\n");
    CHECK(h.session->facts().auth_user.empty());
    CHECK(h.line("AUTH PLAIN " + b64(std::string("\0alice\0secret", 13))).starts_with("235"));
  }
  SECTION("PLAIN without initial response: 334 with an empty challenge") {
    CHECK(h.line("AUTH PLAIN") == "334 \r\n");
    CHECK(h.line(b64(std::string("\0alice\0secret", 13))).starts_with("235 2.7.0"));
  }
  SECTION("CRAM-MD5 challenge is unique per exchange and names the host") {
    const auto first = h.line("AUTH CRAM-MD5");
    REQUIRE(first.starts_with("334 "));
    const auto challenge = bounceback::smtp::base64_decode(first.substr(4, first.size() - 6));
    REQUIRE(challenge);
    CHECK(*challenge == "<S1.1@mx.test>");
    CHECK(h.line("*") == "501 5.0.0 Error: authentication aborted\r\n");
    const auto second = h.line("AUTH CRAM-MD5");
    CHECK(bounceback::smtp::base64_decode(second.substr(4, second.size() - 6)) == "<S1.2@mx.test>");
    CHECK(h.line(b64("tim b913a602c7eda7a495b4e6e7334d3890")).starts_with("535 5.7.8"));
  }
  SECTION("XOAUTH2 failure: error challenge, empty line, 535") {
    const auto r = h.line("AUTH XOAUTH2 " + b64("user=alice\x01"
                                                "auth=Bearer nope\x01\x01"));
    CHECK(r.starts_with("334 eyJ"));
    CHECK(h.line("") == "535 5.7.8 Error: authentication failed: authentication failure\r\n");
    CHECK(h.line("AUTH XOAUTH2 " + b64("user=alice\x01"
                                       "auth=Bearer secret\x01\x01")) ==
          "235 2.7.0 Authentication successful\r\n");
  }
  SECTION("cancel, bad base64, unknown mechanism, syntax") {
    CHECK(h.line("AUTH LOGIN") == "334 VXNlcm5hbWU6\r\n");
    CHECK(h.line("*") == "501 5.0.0 Error: authentication aborted\r\n");
    CHECK(h.line("AUTH PLAIN %%%") == "501 5.5.2 Error: cannot decode response\r\n");
    CHECK(h.line("AUTH GSSAPI") == "504 5.5.4 Error: unsupported authentication mechanism\r\n");
    CHECK(h.line("AUTH") == "501 5.5.4 Syntax: AUTH mechanism [initial-response]\r\n");
    CHECK(h.line("NOOP") == "250 2.0.0 Ok\r\n");  // the exchange is over: commands again
  }
  SECTION("AUTH inside a transaction: 503") {
    CHECK(h.line("MAIL FROM:<a@b.example>") == "250 2.1.0 Ok\r\n");
    CHECK(h.line("AUTH PLAIN") == "503 5.5.1 Error: MAIL transaction in progress\r\n");
  }
  SECTION("a long XOAUTH2 token fits (RFC 4954 allows 12288 octets)") {
    const std::string token(3000, 'T');
    CHECK(h.line("AUTH XOAUTH2 " + b64("user=alice\x01"
                                       "auth=Bearer " +
                                       token + "\x01\x01"))
              .starts_with("334 "));  // well-formed and read whole; the token is wrong
    CHECK(h.line("").starts_with("535"));
    CHECK(h.line("NOOP " + std::string(600, 'x')) == "500 5.5.2 Error: line too long\r\n");
    CHECK(h.line("AUTH LOGIN") == "334 VXNlcm5hbWU6\r\n");
    CHECK(h.line(std::string(13000, 'Q')) == "500 5.5.2 Error: line too long\r\n");
    CHECK(h.line("NOOP") == "250 2.0.0 Ok\r\n");  // the exchange ended with the long line
  }
}

TEST_CASE("session AUTH: required before MAIL", "[smtp][auth][session]") {
  Harness h([](SessionConfig& c) {
    with_auth(c);
    c.auth = Requirement::required;
  });
  greet(h);
  CHECK(h.line("MAIL FROM:<a@b.example>") == "530 5.7.0 Authentication required\r\n");
  CHECK(h.line("AUTH PLAIN " + b64(std::string("\0alice\0secret", 13))).starts_with("235"));
  CHECK(h.line("MAIL FROM:<a@b.example>") == "250 2.1.0 Ok\r\n");
}

TEST_CASE("session AUTH: the auth event decides with the candidate user", "[smtp][auth][session]") {
  std::string seen_user, seen_mechanism;
  Harness h(with_auth, [&](ScriptedPolicy& p) {
    p.fn = [&](const Event& e) {
      if (e.kind != EventKind::auth) return Decision{};
      seen_user = e.session->auth_user;
      seen_mechanism = e.auth_mechanism;
      if (e.session->auth_user == "mallory")
        return reply_with(535, "5.7.8", "Authentication credentials invalid");
      if (e.session->auth_user == "anyone") return reply_with(235, "2.7.0", "Welcome");
      return Decision{};
    };
  });
  greet(h);
  SECTION("a rule refuses with its own reply") {
    CHECK(h.line("AUTH PLAIN " + b64(std::string("\0mallory\0secret", 15))) ==
          "535 5.7.8 Authentication credentials invalid\r\n");
    CHECK(seen_user == "mallory");
    CHECK(seen_mechanism == "PLAIN");
    CHECK(h.session->facts().auth_user.empty());
  }
  SECTION("a rule accepts bad credentials") {
    CHECK(h.line("AUTH LOGIN " + b64("anyone")) == "334 UGFzc3dvcmQ6\r\n");
    CHECK(h.line(b64("whatever")) == "235 2.7.0 Welcome\r\n");
    CHECK(seen_mechanism == "LOGIN");
    CHECK(h.session->facts().auth_user == "anyone");
  }
}

TEST_CASE("session AUTH: transcripts never hold a secret", "[smtp][auth][session]") {
  Harness h(with_auth);
  greet(h);
  h.line("AUTH PLAIN " + b64(std::string("\0alice\0secret", 13)));
  h.line("AUTH LOGIN");  // already authenticated: 503
  Harness g(with_auth);
  greet(g);
  g.line("AUTH LOGIN");
  g.line(b64("alice"));
  g.line(b64("secret"));

  for (const auto* t : {&h.transcript, &g.transcript})
    for (const auto& [inbound, text] : t->lines) {
      CAPTURE(text);
      CHECK(text.find(b64(std::string("\0alice\0secret", 13))) == std::string::npos);
      CHECK(text.find(b64("secret")) == std::string::npos);
      CHECK(text.find("secret") == std::string::npos);
    }
  bool redacted = false;
  for (const auto& [inbound, text] : h.transcript.lines)
    if (inbound && text == "AUTH PLAIN ****") redacted = true;
  CHECK(redacted);
  int hidden = 0;
  for (const auto& [inbound, text] : g.transcript.lines)
    if (inbound && text == "****") ++hidden;
  CHECK(hidden == 2);
}

TEST_CASE("session STARTTLS hygiene", "[smtp][tls][session]") {
  SECTION("not offered: not listed, 502 5.5.1 as Postfix without TLS") {
    Harness h;
    CHECK(h.line("EHLO client.test").find("STARTTLS") == std::string::npos);
    CHECK(h.line("STARTTLS") == "502 5.5.1 Error: command not implemented\r\n");
    CHECK_FALSE(h.tls_pending);
  }
  SECTION("required: listed, MAIL before it gets 530 5.7.0, after it 250") {
    Harness h([](SessionConfig& c) {
      c.tls_available = true;
      c.tls = Requirement::required;
    });
    CHECK(h.line("EHLO client.test").find("250-STARTTLS") != std::string::npos);
    CHECK(h.line("MAIL FROM:<a@b.example>") == "530 5.7.0 Must issue a STARTTLS command first\r\n");
    CHECK(h.line("STARTTLS") == "220 2.0.0 Ready to start TLS\r\n");
    h.tls_started();
    greet(h);
    CHECK(h.line("MAIL FROM:<a@b.example>") == "250 2.1.0 Ok\r\n");
  }
  SECTION("pipelined commands after STARTTLS are discarded; state and auth reset") {
    Harness h([](SessionConfig& c) {
      with_auth(c);
      c.tls_available = true;
    });
    greet(h);
    CHECK(h.line("AUTH PLAIN " + b64(std::string("\0alice\0secret", 13))).starts_with("235"));
    CHECK(h.send("STARTTLS\r\nMAIL FROM:<inject@evil.example>\r\nRSET\r\n") ==
          "220 2.0.0 Ready to start TLS\r\n");
    CHECK(h.pending() == 0);
    h.tls_started();
    CHECK(h.session->facts().auth_user.empty());  // RFC 3207 §4.2: forget everything
    CHECK(h.line("EHLO client.test").find("STARTTLS") == std::string::npos);
    CHECK(h.line("RCPT TO:<c@d.example>") == "503 5.5.1 Error: need MAIL command\r\n");
    CHECK(h.line("STARTTLS") == "554 5.5.1 Error: TLS already active\r\n");
  }
  SECTION("a starttls rule may answer 454") {
    Harness h([](SessionConfig& c) { c.tls_available = true; },
              [](ScriptedPolicy& p) {
                p.decisions[EventKind::starttls] =
                    reply_with(454, "4.7.0", "TLS not available due to temporary reason");
              });
    greet(h);
    CHECK(h.line("STARTTLS") == "454 4.7.0 TLS not available due to temporary reason\r\n");
    CHECK_FALSE(h.tls_pending);
    CHECK(h.line("MAIL FROM:<a@b.example>") == "250 2.1.0 Ok\r\n");
  }
}

TEST_CASE("auth: every 4xx/5xx of the session's own reaches Policy::refused_other once, staged",
          "[smtp][auth][refusals]") {
  Harness h(with_auth);
  greet(h);
  CHECK(h.line("NOOP").starts_with("250"));  // positive replies are not reported
  CHECK(h.line("AUTH PLAIN AGFsaWNlAHdyb25n").starts_with("535"));  // alice, wrong
  CHECK(h.line("AUTH LOGIN").starts_with("334"));                   // a SASL exchange
  CHECK(h.line("!!").starts_with("501"));                           // its bad base64
  CHECK(h.line("FROBNICATE").starts_with("502"));
  CHECK(h.line("RSET now").starts_with("501"));
  CHECK(h.line("NOOP " + std::string(2000, 'x')).starts_with("500"));  // too long: unread
  CHECK(h.line("RCPT TO:<a@x.test>").starts_with("503"));  // Policy::refused's, not repeated
  REQUIRE(h.policy.others.size() == 5);
  using K = EventKind;
  const K stages[] = {K::auth, K::auth, K::unknown, K::rset, K::unknown};
  for (std::size_t i = 0; i < 5; ++i) CHECK(h.policy.others[i].kind == stages[i]);
  CHECK(h.policy.others[0].wire.starts_with("535 5.7.8 "));
  REQUIRE(h.policy.refusals.size() == 1);
  CHECK(h.policy.refusals[0].kind == K::rcpt);
}
