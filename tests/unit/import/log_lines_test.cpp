// The mail-log readers on lines written in each MTA's exact format.
#include "import/log_lines.hpp"

#include <catch2/catch.hpp>

#include "import/reply_lines.hpp"

using namespace bounceback::import;
using Kind = LogEvent::Kind;

TEST_CASE("postfix: a deferral at RCPT, a bounce after DATA, MAIL, the banner", "[import]") {
  auto e = read_postfix_line(
      "Nov 30 18:00:01 mta postfix/smtp[101]: 4AB12C: to=<Grey@example.test>, "
      "relay=mx.example.test[192.0.2.1]:25, delay=0.1, delays=0/0/0/0.1, dsn=4.7.1, "
      "status=deferred (host mx.example.test[192.0.2.1] said: 451 4.7.1 <Grey@example.test>: "
      "Recipient address rejected: Greylisted (in reply to RCPT TO command))");
  REQUIRE(e);
  CHECK(e->kind == Kind::reply);
  CHECK(e->queue_id == "4AB12C");
  CHECK(e->rcpt == "Grey@example.test");
  CHECK(e->host == "mx.example.test");
  CHECK(e->stage == Stage::rcpt);
  CHECK(e->status == "4.7.1");
  CHECK(e->reply == "451 4.7.1 <Grey@example.test>: Recipient address rejected: Greylisted");

  const auto row = GENERATE(table<std::string, Stage>({
      {"end of DATA", Stage::message},
      {"DATA", Stage::data},
      {"MAIL FROM", Stage::mail},
      {"RCPT TO", Stage::rcpt},
      {"EHLO", Stage::helo},
  }));
  e = read_postfix_line(
      "2026-11-30T18:00:01.123456+00:00 mta postfix-test/smtp[7]: 4XyZ: to=<u@x.test>, "
      "orig_to=<v@x.test>, relay=mx[192.0.2.1]:25, delay=1, dsn=5.7.1, status=bounced (host "
      "mx[192.0.2.1] said: 554 5.7.1 spam (score (12)) (in reply to " +
      std::get<0>(row) + " command))");
  REQUIRE(e);
  CHECK(e->stage == std::get<1>(row));
  CHECK(e->reply == "554 5.7.1 spam (score (12))");
  CHECK(e->host == "mx");
}

TEST_CASE("postfix: refused to talk, sent, no reply, the sender, other lines", "[import]") {
  auto e = read_postfix_line(
      "Nov 30 18:00:01 mta postfix/smtp[101]: 4AB: to=<u@x.test>, relay=none, delay=1, dsn=4.7.0, "
      "status=deferred (delivery temporarily suspended: host mx.x.test[192.0.2.1] refused to talk "
      "to me: 421 4.7.0 mx.x.test Error: too many connections from 198.51.100.1)");
  REQUIRE(e);
  CHECK(e->kind == Kind::reply);
  CHECK(e->stage == Stage::connect);
  CHECK(e->reply == "421 4.7.0 mx.x.test Error: too many connections from 198.51.100.1");
  e = read_postfix_line(
      "Nov 30 18:00:01 mta postfix/smtp[101]: 4AB: to=<u@x.test>, relay=mx.x.test[192.0.2.1]:25, "
      "delay=1, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 1)");
  REQUIRE(e);
  CHECK(e->kind == Kind::delivered);
  CHECK(e->host == "mx.x.test");
  e = read_postfix_line(
      "Nov 30 18:00:01 mta postfix/smtp[101]: 4AB: to=<u@x.test>, relay=none, delay=1, "
      "dsn=4.4.1, status=deferred (connect to mx.x.test[192.0.2.1]:25: Connection refused)");
  REQUIRE(e);
  CHECK(e->kind == Kind::no_reply);
  e = read_postfix_line(
      "Nov 30 18:00:00 mta postfix/qmgr[100]: 4AB: from=<app@sender.test>, size=400, nrcpt=1 "
      "(queue active)");
  REQUIRE(e);
  CHECK(e->kind == Kind::sender);
  CHECK(e->from == "app@sender.test");
  e = read_postfix_line("Nov 30 18:00:00 mta postfix/qmgr[100]: 4AB: removed");
  REQUIRE(e);
  CHECK(e->kind == Kind::other);
  CHECK_FALSE(read_postfix_line("Nov 30 18:00:00 mta sshd[1]: Accepted publickey"));
}

TEST_CASE("postfix: a lost connection is a drop, a timeout a hang, at the command named",
          "[import]") {
  const auto row = GENERATE(table<std::string, Fault, Stage>({
      {"lost connection with mx[192.0.2.1] while sending RCPT TO", Fault::drop, Stage::rcpt},
      {"conversation with mx[192.0.2.1] timed out while sending end of data -- message may be "
       "sent more than once",
       Fault::hang, Stage::message},
      {"delivery temporarily suspended: lost connection with mx[192.0.2.1] while receiving the "
       "initial server greeting",
       Fault::drop, Stage::connect},
      {"lost connection with mx[192.0.2.1] while performing the EHLO handshake", Fault::drop,
       Stage::helo},
      {"conversation with mx[192.0.2.1] timed out while sending MAIL FROM", Fault::hang,
       Stage::mail},
      {"lost connection with mx[192.0.2.1] while sending DATA command", Fault::drop, Stage::data},
  }));
  const auto e = read_postfix_line(
      "Nov 30 18:00:01 mta postfix/smtp[101]: 4AB: to=<u@x.test>, relay=mx[192.0.2.1]:25, "
      "delay=1, dsn=4.4.2, status=deferred (" +
      std::get<0>(row) + ")");
  REQUIRE(e);
  CHECK(e->kind == Kind::fault);
  CHECK(e->fault == std::get<1>(row));
  CHECK(e->stage == std::get<2>(row));
  CHECK(e->host == "mx");
  // In the middle of the body: nothing Bounceback can do there.
  CHECK(read_postfix_line("Nov 30 18:00:01 mta postfix/smtp[101]: 4AB: to=<u@x.test>, "
                          "relay=mx[192.0.2.1]:25, delay=1, dsn=4.4.2, status=deferred (lost "
                          "connection with mx[192.0.2.1] while sending message body)")
            ->kind == Kind::no_reply);
}

TEST_CASE("postfix: a multi-line reply joined with spaces splits back into its lines", "[import]") {
  const auto lines = split_joined_reply(
      "550-5.1.1 The email account that you tried to reach does not exist. Please try "
      "550-5.1.1 double-checking the recipient's email address for typos or 550 5.1.1  "
      "unnecessary spaces. https://support.google.com/mail/?p=NoSuchUser x1 - gsmtp");
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] ==
        "550-5.1.1 The email account that you tried to reach does not exist. Please try");
  CHECK(lines[1] == "550-5.1.1 double-checking the recipient's email address for typos or");
  CHECK(lines[2] ==
        "550 5.1.1  unnecessary spaces. https://support.google.com/mail/?p=NoSuchUser x1 - gsmtp");
  CHECK(split_joined_reply("451 4.7.1 one line, 550 inside").size() == 1);
  CHECK(split_joined_reply("not a reply").empty());
}

TEST_CASE("exim: ** and == with the command, multi-line \\n, => and <=", "[import]") {
  auto e = read_exim_line(
      "2026-11-30 12:00:00 1rABCD-000123-AB ** nosuch@example.net R=dnslookup T=remote_smtp "
      "H=mx.example.net [192.0.2.1]: SMTP error from remote mail server after RCPT "
      "TO:<nosuch@example.net>: 550-5.1.1 The email account does not exist.\\n550 5.1.1 "
      "Try again - gsmtp");
  REQUIRE(e);
  CHECK(e->kind == Kind::reply);
  CHECK(e->rcpt == "nosuch@example.net");
  CHECK(e->host == "mx.example.net");
  CHECK(e->stage == Stage::rcpt);
  const auto lines = split_reply_lines(e->reply, "\\n");
  REQUIRE(lines.size() == 2);
  CHECK(lines[1] == "550 5.1.1 Try again - gsmtp");

  e = read_exim_line(
      "2026-11-30 12:00:05.123 +0000 [4242] 1rABCD-000123-AB == grey@example.net "
      "R=dnslookup T=remote_smtp defer (-44) H=mx.example.net [192.0.2.1]:25: SMTP error from "
      "remote mail server after pipelined end of data: 451 4.3.0 Try later");
  REQUIRE(e);
  CHECK(e->kind == Kind::reply);
  CHECK(e->stage == Stage::message);
  CHECK(e->reply == "451 4.3.0 Try later");

  e = read_exim_line(
      "2026-11-30 12:00:05 1rABCD-000123-AB == u@example.net R=dnslookup T=remote_smtp defer "
      "(-53): retry time not reached for any host");
  REQUIRE(e);
  CHECK(e->kind == Kind::no_reply);
  e = read_exim_line(
      "2026-11-30 12:00:05 1rABCD-000123-AB => u@example.net R=dnslookup T=remote_smtp "
      "H=mx.example.net [192.0.2.1] C=\"250 2.0.0 OK\"");
  REQUIRE(e);
  CHECK(e->kind == Kind::delivered);
  CHECK(e->host == "mx.example.net");
  e = read_exim_line(
      "2026-11-30 12:00:00 1rABCD-000123-AB <= app@sender.test H=localhost [127.0.0.1] P=esmtp "
      "S=400");
  REQUIRE(e);
  CHECK(e->kind == Kind::sender);
  CHECK(e->from == "app@sender.test");
  e = read_exim_line(
      "2026-11-30 12:00:00 1rABCD-000123-AB ** u@example.net R=dnslookup T=remote_smtp "
      "H=mx.example.net [192.0.2.1]: SMTP error from remote mail server after MAIL "
      "FROM:<app@sender.test> SIZE=1234: 550 5.7.1 Sender blocked");
  REQUIRE(e);
  CHECK(e->stage == Stage::mail);
  CHECK(e->reply == "550 5.7.1 Sender blocked");
  CHECK_FALSE(read_exim_line("2026-11-30 12:00:00 Start queue run: pid=1"));

  // Older Exims: no H=, the host after the command.
  e = read_exim_line(
      "2012-02-13 15:02:27 1Rwtcp-0000Ac-BW ** u@example.ru R=dnslookup T=remote_smtp: SMTP "
      "error from remote mail server after RCPT TO:<u@example.ru>: host mx.example.ru "
      "[192.0.2.10]: 550 5.7.1 Client host blocked using zen; Mail from IP banned");
  REQUIRE(e);
  CHECK(e->kind == Kind::reply);
  CHECK(e->host == "mx.example.ru");
  CHECK(e->reply == "550 5.7.1 Client host blocked using zen; Mail from IP banned");
  e = read_exim_line(
      "2016-06-03 11:03:18 [13879] 1b8lwj-0003bo-6W == a@example.com R=dnslookup T=remote_smtp "
      "defer (-44): SMTP error from remote mail server after RCPT TO:<a@example.com>: host "
      "in.example.com [192.0.2.11]: 451 Internal resource temporarily unavailable");
  REQUIRE(e);
  CHECK(e->kind == Kind::reply);
  CHECK(e->host == "in.example.com");
  CHECK(e->reply == "451 Internal resource temporarily unavailable");
}

TEST_CASE("exim: a closed connection is a drop, an SMTP timeout a hang", "[import]") {
  auto e = read_exim_line(
      "2026-11-30 12:00:05 1rABCD-000123-AB == u@example.net R=dnslookup T=remote_smtp defer "
      "(-18) H=mx.example.net [192.0.2.1]: Remote host closed connection in response to RCPT "
      "TO:<u@example.net>");
  REQUIRE(e);
  CHECK(e->kind == Kind::fault);
  CHECK(e->fault == Fault::drop);
  CHECK(e->stage == Stage::rcpt);
  CHECK(e->host == "mx.example.net");
  e = read_exim_line(
      "2026-11-30 12:00:05 1rABCD-000123-AB == u@example.net R=dnslookup T=remote_smtp defer "
      "(-46) H=mx.example.net [192.0.2.1]: SMTP timeout after end of data (1234 bytes written)");
  REQUIRE(e);
  CHECK(e->kind == Kind::fault);
  CHECK(e->fault == Fault::hang);
  CHECK(e->stage == Stage::message);
  e = read_exim_line(
      "2026-11-30 12:00:05 1rABCD-000123-AB == u@example.net R=dnslookup T=remote_smtp defer "
      "(-46) H=mx.example.net [192.0.2.1]: SMTP timeout after sending data block (1234 bytes "
      "written)");
  REQUIRE(e);
  CHECK(e->kind == Kind::no_reply);
}

TEST_CASE("sendmail: Deferred with the reply, a bounce as dsn= and stat=, Sent", "[import]") {
  auto e = read_sendmail_line(
      "Nov 30 12:00:00 host sm-mta[1234]: 0AUC00ab012345: to=<grey@example.net>, "
      "ctladdr=<app@sender.test> (1000/1000), delay=00:00:01, xdelay=00:00:01, mailer=esmtp, "
      "pri=120000, relay=mx.example.net. [192.0.2.1], dsn=4.7.1, stat=Deferred: 451 4.7.1 "
      "Greylisted, try again later");
  REQUIRE(e);
  CHECK(e->kind == Kind::reply);
  CHECK(e->rcpt == "grey@example.net");
  CHECK(e->host == "mx.example.net");
  CHECK(e->reply == "451 4.7.1 Greylisted, try again later");

  e = read_sendmail_line(
      "Nov 30 12:00:00 host sendmail[1234]: 0AUC00ab012345: to=<nosuch@example.net>, "
      "delay=00:00:01, xdelay=00:00:01, mailer=esmtp, pri=120000, relay=mx.example.net. "
      "[192.0.2.1], dsn=5.1.1, stat=User unknown");
  REQUIRE(e);
  CHECK(e->kind == Kind::reply);
  CHECK(e->status == "5.1.1");
  CHECK(reply_from_status(e->status, e->reply) == "550 5.1.1 User unknown");

  e = read_sendmail_line(
      "Nov 30 12:00:00 host sm-mta[1234]: 0AUC00ab012345: to=<ok@example.net>, delay=00:00:01, "
      "xdelay=00:00:01, mailer=esmtp, pri=120000, relay=mx.example.net. [192.0.2.1], "
      "dsn=2.0.0, stat=Sent (0AUC00ab012345 Message accepted for delivery)");
  REQUIRE(e);
  CHECK(e->kind == Kind::delivered);
  e = read_sendmail_line(
      "Nov 30 12:00:00 host sm-mta[1234]: 0AUC00ab012345: to=<u@example.net>, delay=00:00:01, "
      "mailer=esmtp, pri=120000, relay=mx.example.net., dsn=4.0.0, stat=Deferred: Connection "
      "refused by mx.example.net.");
  REQUIRE(e);
  CHECK(e->kind == Kind::no_reply);
  e = read_sendmail_line(
      "Nov 30 12:00:00 host sm-mta[1234]: 0AUC00ab012345: from=<app@sender.test>, size=400, "
      "class=0, nrcpts=1, msgid=<1@sender.test>, proto=ESMTP, relay=localhost [127.0.0.1]");
  REQUIRE(e);
  CHECK(e->kind == Kind::sender);
  CHECK(e->from == "app@sender.test");
}

TEST_CASE("the attempt log's one-line summary splits back into wire lines", "[import]") {
  const auto lines = split_summary("550 5.1.1 first / second / third");
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == "550-5.1.1 first");
  CHECK(lines[2] == "550 5.1.1 third");
  CHECK(split_summary("451 Try later") == std::vector<std::string>{"451 Try later"});
  CHECK(split_summary("").empty());
}
