// Writes one generated report per case into DIR (report_samples DIR) and prints a JSON line
// per file saying what it reports, for tests/integration/test_report_classifiers.py, which
// has real bounce processors (Sisimai, flufl.bounce) read them.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "report/report.hpp"
#include "smtp/reply.hpp"

using namespace bounceback;
using namespace std::chrono_literals;

namespace {

const std::string original_message =
    "Received: from client.example.test ([192.0.2.7])\r\n"
    "\tby mx.bounceback.test (Bounceback) with ESMTP id 4QX1\r\n"
    "From: Sender <sender@example.test>\r\n"
    "To: Someone <someone@example.net>\r\n"
    "Subject: The quarterly report\r\n"
    "Message-ID: <orig-1@example.test>\r\n"
    "Date: Mon, 30 Nov 2026 09:00:00 +0000\r\n"
    "\r\n"
    "Hello,\r\nthe numbers are attached.\r\n";

struct Case {
  std::string name;
  report::Style style;
  report::Action action;
  std::string rcpt, reply, ret;
};

std::string json_escape(const std::string& s) {
  std::string out;
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: report_samples DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  const auto now = std::chrono::system_clock::time_point{std::chrono::seconds{1796029200}};
  std::vector<Case> cases;
  const char* styles[] = {"postfix", "gmail", "microsoft"};
  for (const char* s : styles) {
    const auto style = *report::parse_style(s);
    const std::string p = s;
    cases.push_back(
        {p + "-failed-userunknown", style, report::Action::failed, "nosuchuser@example.net",
         "550-5.1.1 The email account that you tried to reach does not exist. Please try\n"
         "550-5.1.1 double-checking the recipient's email address for typos or\n"
         "550 5.1.1 unnecessary spaces. https://support.google.com/mail/?p=NoSuchUser",
         "FULL"});
    cases.push_back({p + "-failed-mailboxfull", style, report::Action::failed, "full@example.net",
                     "552 5.2.2 <full@example.net>: Mailbox full, quota exceeded", "HDRS"});
    cases.push_back({p + "-failed-policy", style, report::Action::failed, "spam@example.net",
                     "550 5.7.1 Message rejected as spam by content filter", ""});
    cases.push_back({p + "-delayed", style, report::Action::delayed, "slow@example.net",
                     "451 4.4.1 No answer from host", ""});
    cases.push_back({p + "-delivered", style, report::Action::delivered, "ok@example.net",
                     "250 2.0.0 Ok: queued as 4QX9", ""});
  }
  unsigned n = 0;
  for (const auto& c : cases) {
    report::Reporter rep;
    rep.hostname = "mx.bounceback.test";
    rep.style = c.style;
    rep.now = now;
    rep.unique = ++n;
    report::Original o;
    o.from = "sender@example.test";
    o.envid = "QQ+2B1";
    o.ret = c.ret;
    o.client_ip = "192.0.2.7";
    o.helo = "client.example.test";
    o.queue_id = "4QX1";
    o.data = original_message;
    o.arrival = now - 30s;
    report::RecipientOutcome r;
    r.address = c.rcpt;
    const std::string orcpt = "rfc822;" + c.rcpt;
    r.orcpt = orcpt;
    r.action = c.action;
    smtp::parse_reply(c.reply, r.reply);
    r.last_attempt = now;
    if (c.action == report::Action::delayed) r.will_retry_until = now + 120h;
    const auto g = report::delivery_status(rep, o, {&r, 1});
    const std::string path = dir + "/" + c.name + ".eml";
    std::ofstream(path, std::ios::binary) << g.data;
    std::printf(
        "{\"file\": \"%s\", \"kind\": \"dsn\", \"style\": \"%s\", \"action\": \"%s\", "
        "\"rcpt\": \"%s\", \"status\": \"%s\"}\n",
        json_escape(path).c_str(), std::string(to_string(c.style)).c_str(),
        std::string(to_string(c.action)).c_str(), c.rcpt.c_str(), r.reply.enhanced.c_str());
  }
  report::Reporter rep;
  rep.hostname = "mx.bounceback.test";
  rep.now = now;
  report::Original o;
  o.from = "sender@example.test";
  o.client_ip = "192.0.2.7";
  o.data = original_message;
  o.arrival = now - 30s;
  rep.unique = ++n;
  const auto away = report::auto_reply(rep, o, "away@example.net",
                                       {"Out of office", "I am out of the office until Monday.\n"});
  std::ofstream(dir + "/auto-reply.eml", std::ios::binary) << away->data;
  std::printf(
      "{\"file\": \"%s/auto-reply.eml\", \"kind\": \"auto-reply\", \"rcpt\": "
      "\"away@example.net\"}\n",
      json_escape(dir).c_str());
  rep.unique = ++n;
  const auto abuse = report::complaint(rep, o, "complains@example.net", "abuse");
  std::ofstream(dir + "/complaint.eml", std::ios::binary) << abuse->data;
  std::printf(
      "{\"file\": \"%s/complaint.eml\", \"kind\": \"complaint\", \"rcpt\": "
      "\"complains@example.net\"}\n",
      json_escape(dir).c_str());
  return 0;
}
