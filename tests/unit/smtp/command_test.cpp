// The command-line splitter and the MAIL/RCPT path and parameter parser, table-driven.
#include "smtp/command.hpp"

#include <catch2/catch.hpp>
#include <string>

using namespace bounceback::smtp;

TEST_CASE("verbs are case-insensitive and the argument is trimmed", "[smtp][command]") {
  auto [line, verb, name, arg] = GENERATE(table<std::string, Verb, std::string, std::string>({
      {"EHLO client.test", Verb::ehlo, "EHLO", "client.test"},
      {"ehlo client.test", Verb::ehlo, "ehlo", "client.test"},
      {"eHlO client.test  ", Verb::ehlo, "eHlO", "client.test"},
      {"HELO x", Verb::helo, "HELO", "x"},
      {"LHLO x", Verb::lhlo, "LHLO", "x"},
      {"mail FROM:<a@b>", Verb::mail, "mail", "FROM:<a@b>"},
      {"Rcpt TO:<a@b>", Verb::rcpt, "Rcpt", "TO:<a@b>"},
      {"DATA", Verb::data, "DATA", ""},
      {"data ", Verb::data, "data", ""},
      {"BDAT 10 LAST", Verb::bdat, "BDAT", "10 LAST"},
      {"rset", Verb::rset, "rset", ""},
      {"NOOP anything", Verb::noop, "NOOP", "anything"},
      {"VRFY bob", Verb::vrfy, "VRFY", "bob"},
      {"EXPN list", Verb::expn, "EXPN", "list"},
      {"help", Verb::help, "help", ""},
      {"Quit", Verb::quit, "Quit", ""},
      {"StartTLS", Verb::starttls, "StartTLS", ""},
      {"AUTH PLAIN", Verb::auth, "AUTH", "PLAIN"},
      {"XYZZY", Verb::unknown, "XYZZY", ""},
      {"", Verb::unknown, "", ""},
      {"MAILFROM:<a@b>", Verb::unknown, "MAILFROM:<a@b>", ""},
      {"EHL", Verb::unknown, "EHL", ""},
      {"EHLOO x", Verb::unknown, "EHLOO", "x"},
  }));
  CAPTURE(line);
  const auto cmd = parse_command(line);
  CHECK(cmd.verb == verb);
  CHECK(cmd.name == name);
  CHECK(cmd.arg == arg);
}

TEST_CASE("iequals compares ASCII case-insensitively", "[smtp][command]") {
  CHECK(iequals("SIZE", "size"));
  CHECK(iequals("", ""));
  CHECK_FALSE(iequals("SIZE", "SIZ"));
  CHECK_FALSE(iequals("\xC3\xA9", "\xC3\x89"));  // é / É: not ASCII, not folded
}

TEST_CASE("MAIL FROM paths and parameters", "[smtp][command]") {
  using E = PathError;
  auto [arg, error, address, detail] = GENERATE(table<std::string, E, std::string, std::string>({
      // paths
      {"FROM:<a@b.example>", E::none, "a@b.example", ""},
      {"from:<a@b.example>", E::none, "a@b.example", ""},
      {"FROM:<>", E::none, "", ""},
      {"FROM: <a@b.example>", E::none, "a@b.example", ""},
      {"FROM:   <a@b.example>", E::none, "a@b.example", ""},
      {"FROM:a@b.example", E::none, "a@b.example", ""},
      {"FROM:<@r1.example,@r2.example:a@b.example>", E::none, "a@b.example", ""},
      {"FROM:<\"john doe\"@b.example>", E::none, "\"john doe\"@b.example", ""},
      {"FROM:<\"a>b\"@b.example>", E::none, "\"a>b\"@b.example", ""},
      {"FROM:<\"a\\\"b\"@b.example>", E::none, "\"a\\\"b\"@b.example", ""},
      {"FROM:<\"a@b\"@c.example>", E::none, "\"a@b\"@c.example", ""},
      {"FROM:<first.last+tag@b.example>", E::none, "first.last+tag@b.example", ""},
      {"FROM:<a@[192.0.2.1]>", E::none, "a@[192.0.2.1]", ""},
      {"FROM:<a@[IPv6:2001:db8::1]>", E::none, "a@[IPv6:2001:db8::1]", ""},
      {"FROM:<a@b.example.>", E::none, "a@b.example.", ""},
      {"FROM:<josé@exämple.org> SMTPUTF8", E::none, "josé@exämple.org", ""},
      {"FROM:<用户@例子.广告> SMTPUTF8", E::none, "用户@例子.广告", ""},
      // syntax
      {"FROM:", E::syntax, "", ""},
      {"FROM: ", E::syntax, "", ""},
      {"", E::syntax, "", ""},
      {"TO:<a@b.example>", E::syntax, "", ""},
      {"FROM<a@b.example>", E::syntax, "", ""},
      {"FROM:<a@b.example", E::syntax, "", ""},
      {"FROM:<a@b.example>SIZE=10", E::syntax, "", ""},
      {"FROM:<\"a@b.example>", E::syntax, "", ""},
      // addresses
      {"FROM:<postmaster>", E::bad_address, "", ""},
      {"FROM:<a>", E::bad_address, "", ""},
      {"FROM:<a@>", E::bad_address, "", ""},
      {"FROM:<@b.example>", E::bad_address, "", ""},
      {"FROM:<@route.example>", E::bad_address, "", ""},
      {"FROM:<@route.example:>", E::bad_address, "", ""},
      {"FROM:<a..b@c.example>", E::bad_address, "", ""},
      {"FROM:<.a@c.example>", E::bad_address, "", ""},
      {"FROM:<a.@c.example>", E::bad_address, "", ""},
      {"FROM:<a b@c.example>", E::bad_address, "", ""},
      {"FROM:<a@b..example>", E::bad_address, "", ""},
      {"FROM:<a@.example>", E::bad_address, "", ""},
      {"FROM:<a@b_c!.example>", E::bad_address, "", ""},
      {"FROM:<a@[]>", E::bad_address, "", ""},
      {"FROM:<a@[1.2.3.4>", E::bad_address, "", ""},
      {"FROM:<a(comment)@b.example>", E::bad_address, "", ""},
      {"FROM:\"abc\\\"@d.example", E::bad_address, "", ""},  // unterminated quoted string
      {"FROM:<\"a\x01\"@b.example>", E::bad_address, "", ""},
      {"FROM:<" + std::string(250, 'a') + "@b.example>", E::bad_address, "", ""},
      {"FROM:<a@" + std::string(64, 'b') + ".example>", E::bad_address, "", ""},
      // parameters
      {"FROM:<a@b.example> SIZE=100", E::none, "a@b.example", ""},
      {"FROM:<a@b.example>  SIZE=100   BODY=8BITMIME  ", E::none, "a@b.example", ""},
      {"FROM:<a@b.example> size=0", E::none, "a@b.example", ""},
      {"FROM:<a@b.example> SIZE", E::bad_parameter, "", "SIZE"},
      {"FROM:<a@b.example> SIZE=", E::bad_parameter, "", "SIZE"},
      {"FROM:<a@b.example> SIZE=ten", E::bad_parameter, "", "SIZE"},
      {"FROM:<a@b.example> SIZE=-1", E::bad_parameter, "", "SIZE"},
      {"FROM:<a@b.example> SIZE=10k", E::bad_parameter, "", "SIZE"},
      {"FROM:<a@b.example> SIZE=99999999999999999999999", E::bad_parameter, "", "SIZE"},
      {"FROM:<a@b.example> BODY=7BIT", E::none, "a@b.example", ""},
      {"FROM:<a@b.example> body=8bitmime", E::none, "a@b.example", ""},
      {"FROM:<a@b.example> BODY=BINARYMIME", E::none, "a@b.example", ""},
      {"FROM:<a@b.example> BODY=9BIT", E::bad_parameter, "", "BODY"},
      {"FROM:<a@b.example> BODY", E::bad_parameter, "", "BODY"},
      {"FROM:<a@b.example> SMTPUTF8", E::none, "a@b.example", ""},
      {"FROM:<a@b.example> SMTPUTF8=yes", E::bad_parameter, "", "SMTPUTF8"},
      {"FROM:<a@b.example> RET=FULL", E::none, "a@b.example", ""},
      {"FROM:<a@b.example> ret=hdrs", E::none, "a@b.example", ""},
      {"FROM:<a@b.example> RET=ALL", E::bad_parameter, "", "RET"},
      {"FROM:<a@b.example> ENVID=QQ314159", E::none, "a@b.example", ""},
      {"FROM:<a@b.example> ENVID=", E::bad_parameter, "", "ENVID"},
      {"FROM:<a@b.example> ENVID=" + std::string(101, 'x'), E::bad_parameter, "", "ENVID"},
      {"FROM:<a@b.example> AUTH=<>", E::none, "a@b.example", ""},
      {"FROM:<a@b.example> AUTH=e+3Dmc2@example.com", E::none, "a@b.example", ""},
      {"FROM:<a@b.example> AUTH=", E::bad_parameter, "", "AUTH"},
      {"FROM:<a@b.example> FOO=bar", E::unknown_parameter, "", "FOO"},
      {"FROM:<a@b.example> X-EXTRA", E::unknown_parameter, "", "X-EXTRA"},
      {"FROM:<a@b.example> NOTIFY=NEVER", E::unknown_parameter, "", "NOTIFY"},
      {"FROM:<a@b.example> SIZE=1 FOO=bar", E::unknown_parameter, "", "FOO"},
  }));
  CAPTURE(arg);
  const auto m = parse_mail(arg);
  CHECK(m.error == error);
  if (error == E::none) CHECK(m.address == address);
  CHECK(m.detail == detail);
}

TEST_CASE("MAIL FROM parameters are kept", "[smtp][command]") {
  const auto m = parse_mail(
      "FROM:<a@b.example> SIZE=12345 BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=QQ314159 AUTH=<>");
  REQUIRE(m.error == PathError::none);
  CHECK(m.params.size == 12345u);
  CHECK(m.params.body == "8BITMIME");
  CHECK(m.params.smtputf8);
  CHECK(m.params.ret == "HDRS");
  CHECK(m.params.envid == "QQ314159");
  CHECK(m.params.auth == "<>");

  const auto plain = parse_mail("FROM:<a@b.example>");
  CHECK_FALSE(plain.params.size.has_value());
  CHECK_FALSE(plain.params.smtputf8);
  CHECK(plain.params.body.empty());
}

TEST_CASE("RCPT TO paths and parameters", "[smtp][command]") {
  using E = PathError;
  auto [arg, error, address, detail] = GENERATE(table<std::string, E, std::string, std::string>({
      {"TO:<c@d.example>", E::none, "c@d.example", ""},
      {"to:<c@d.example>", E::none, "c@d.example", ""},
      {"TO: <c@d.example>", E::none, "c@d.example", ""},
      {"TO:c@d.example", E::none, "c@d.example", ""},
      {"TO:<postmaster>", E::none, "postmaster", ""},
      {"TO:<Postmaster>", E::none, "Postmaster", ""},
      {"TO:<@hop.example:c@d.example>", E::none, "c@d.example", ""},
      {"TO:<\"odd user\"@d.example>", E::none, "\"odd user\"@d.example", ""},
      {"TO:<пользователь@пример.рф>", E::none, "пользователь@пример.рф", ""},
      {"TO:<c@d.example> NOTIFY=NEVER", E::none, "c@d.example", ""},
      {"TO:<c@d.example> notify=success,failure,delay", E::none, "c@d.example", ""},
      {"TO:<c@d.example> NOTIFY=FAILURE", E::none, "c@d.example", ""},
      {"TO:<c@d.example> ORCPT=rfc822;c@d.example", E::none, "c@d.example", ""},
      {"TO:<c@d.example> NOTIFY=DELAY ORCPT=rfc822;c+2Bx@d.example", E::none, "c@d.example", ""},
      {"TO:", E::syntax, "", ""},
      {"FROM:<c@d.example>", E::syntax, "", ""},
      {"TO:<c@d.example", E::syntax, "", ""},
      {"TO:<c@d.example>NOTIFY=NEVER", E::syntax, "", ""},
      {"TO:<>", E::bad_address, "", ""},
      {"TO:<c>", E::bad_address, "", ""},
      {"TO:<@hop.example>", E::bad_address, "", ""},
      {"TO:<c@>", E::bad_address, "", ""},
      {"TO:<c..x@d.example>", E::bad_address, "", ""},
      {"TO:<c@d.example> NOTIFY=NEVER,SUCCESS", E::bad_parameter, "", "NOTIFY"},
      {"TO:<c@d.example> NOTIFY=SOMETIMES", E::bad_parameter, "", "NOTIFY"},
      {"TO:<c@d.example> NOTIFY=", E::bad_parameter, "", "NOTIFY"},
      {"TO:<c@d.example> NOTIFY", E::bad_parameter, "", "NOTIFY"},
      {"TO:<c@d.example> NOTIFY=SUCCESS,", E::bad_parameter, "", "NOTIFY"},
      {"TO:<c@d.example> NOTIFY=SUCCESS,,FAILURE", E::bad_parameter, "", "NOTIFY"},
      {"TO:<c@d.example> NOTIFY=,SUCCESS", E::bad_parameter, "", "NOTIFY"},
      {"TO:<c@d.example> ORCPT=c@d.example", E::bad_parameter, "", "ORCPT"},
      {"TO:<c@d.example> ORCPT=", E::bad_parameter, "", "ORCPT"},
      {"TO:<c@d.example> SIZE=10", E::unknown_parameter, "", "SIZE"},
      {"TO:<c@d.example> FOO", E::unknown_parameter, "", "FOO"},
  }));
  CAPTURE(arg);
  const auto r = parse_rcpt(arg);
  CHECK(r.error == error);
  if (error == E::none) CHECK(r.address == address);
  CHECK(r.detail == detail);
}

TEST_CASE("RCPT TO DSN parameters are kept", "[smtp][command]") {
  const auto r = parse_rcpt("TO:<c@d.example> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;c@d.example");
  REQUIRE(r.error == PathError::none);
  CHECK(r.params.notify == "SUCCESS,FAILURE");
  CHECK(r.params.orcpt == "rfc822;c@d.example");
}

TEST_CASE("valid_mailbox", "[smtp][command]") {
  auto [address, valid] = GENERATE(table<std::string, bool>({
      {"a@b.example", true},
      {"postmaster", true},
      {"POSTMASTER", true},
      {"\"\"@b.example", true},
      {"\"a\\ b\"@b.example", true},
      {"a", false},
      {"", false},
      {"@b", false},
      {"a@", false},
      {"\"a@b.example", false},
      {"\"a\\\"@b.example", false},
      {"\"a\"b\"@b.example", false},
  }));
  CAPTURE(address);
  CHECK(valid_mailbox(address) == valid);
}
