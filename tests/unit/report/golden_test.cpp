// The generated reports byte for byte: each case (every DSN style and action, RET, a large and
// an 8-bit original, several recipients, an auto-reply, a complaint) is generated with a fixed
// clock and fixed numbers and compared with its file in tests/unit/report/golden/. When a
// change to the wording or layout is intended, regenerate them and read the diff:
//   BOUNCEBACK_UPDATE_GOLDEN=1 build/tests/test_report '[golden]' && git diff tests/unit/report
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "report/report.hpp"

using namespace bounceback;
using namespace bounceback::report;
using namespace std::chrono_literals;

namespace {

const TimePoint now{std::chrono::seconds{1796029200}};  // Mon, 30 Nov 2026 09:00:00 +0000

const std::string plain =
    "Received: from client.example.test ([192.0.2.7])\r\n"
    "\tby mx.bounceback.test (Bounceback) with ESMTP id 4QX1\r\n"
    "From: Sender <sender@example.test>\r\n"
    "To: Someone <someone@example.net>\r\n"
    "Subject: The quarterly report\r\n"
    "Message-ID: <orig-1@example.test>\r\n"
    "References: <orig-0@example.test>\r\n"
    "Date: Mon, 30 Nov 2026 08:59:30 +0000\r\n"
    "\r\n"
    "Hello,\r\n.the numbers are attached.\r\n";

// SMTPUTF8: an address and a subject that are not ASCII, an 8-bit body (RFC 6533).
const std::string utf8 =
    "From: =?UTF-8?Q?J=C3=B6rg?= <j\xC3\xB6rg@example.test>\r\n"
    "To: <b\xC3\xBC"
    "ro@example.net>\r\n"
    "Subject: Gr\xC3\xBC\xC3\x9F"
    "e\r\n"
    "Message-ID: <orig-2@example.test>\r\n"
    "\r\n"
    "Gr\xC3\xBC\xC3\x9F"
    "e aus K\xC3\xB6ln\r\n";

// Over the returned bound (50,000 octets): only its header fields come back.
const std::string large = [] {
  std::string m = plain;
  for (int i = 0; i < 800; ++i) m += std::string(76, 'x') + "\r\n";
  return m;
}();

Reporter reporter(Style style, std::uint64_t unique) {
  Reporter r;
  r.hostname = "mx.bounceback.test";
  r.style = style;
  r.now = now;
  r.unique = unique;
  return r;
}

Original original(const std::string& data, std::string_view ret = "",
                  std::string_view from = "sender@example.test") {
  Original o;
  o.from = from;
  o.envid = "QQ+2B1";
  o.ret = ret;
  o.client_ip = "192.0.2.7";
  o.helo = "client.example.test";
  o.queue_id = "4QX1";
  o.data = data;
  o.arrival = now - 30s;
  return o;
}

RecipientOutcome outcome(std::string_view address, Action action, std::string_view reply,
                         std::string_view orcpt = "") {
  RecipientOutcome r;
  r.address = address;
  r.orcpt = orcpt;
  r.action = action;
  smtp::parse_reply(reply, r.reply);
  r.last_attempt = now;
  if (action == Action::delayed) r.will_retry_until = now + 120h;
  return r;
}

const char* const user_unknown =
    "550-5.1.1 The email account that you tried to reach does not exist. Please try\n"
    "550-5.1.1 double-checking the recipient's email address for typos or\n"
    "550 5.1.1 unnecessary spaces. https://support.google.com/mail/?p=NoSuchUser";

struct Case {
  std::string name;
  std::function<std::string()> generate;
};

std::vector<Case> cases() {
  std::vector<Case> out;
  const Style styles[] = {Style::postfix, Style::gmail, Style::microsoft};
  std::uint64_t unique = 0;
  for (const Style style : styles) {
    const std::string s(to_string(style));
    const auto dsn = [style, &unique](const std::string* data, std::string ret,
                                      std::vector<RecipientOutcome> rcpts) {
      return [=, u = ++unique] {
        return delivery_status(reporter(style, u), original(*data, ret), rcpts).data;
      };
    };
    out.push_back(
        {s + "-failed-full", dsn(&plain, "FULL",
                                 {outcome("nosuchuser@example.net", Action::failed, user_unknown,
                                          "rfc822;nosuchuser+2Bx@example.net")})});
    out.push_back({s + "-failed-hdrs",
                   dsn(&plain, "HDRS",
                       {outcome("full@example.net", Action::failed,
                                "552 5.2.2 <full@example.net>: Mailbox full, quota exceeded")})});
    out.push_back(
        {s + "-failed-large",
         dsn(&large, "", {outcome("gone@example.net", Action::failed, "550 5.1.1 User unknown")})});
    out.push_back({s + "-failed-utf8", dsn(&utf8, "",
                                           {outcome("b\xC3\xBCro@example.net", Action::failed,
                                                    "550 5.1.1 User unknown")})});
    out.push_back({s + "-delayed", dsn(&plain, "",
                                       {outcome("slow@example.net", Action::delayed,
                                                "451 4.4.1 No answer from host")})});
    out.push_back({s + "-delivered", dsn(&plain, "",
                                         {outcome("ok@example.net", Action::delivered,
                                                  "250 2.0.0 Ok: queued as 4QX9")})});
    out.push_back(
        {s + "-two-recipients",
         dsn(&plain, "",
             {outcome("gone@example.net", Action::failed, "550 5.1.1 User unknown"),
              outcome("slow@example.org", Action::delayed, "451 4.7.1 Try again later")})});
  }
  out.push_back({"auto-reply", [u = ++unique] {
                   return auto_reply(reporter(Style::postfix, u), original(plain),
                                     "away@example.net",
                                     {"Out of office", "I am out of the office until Monday.\n"})
                       ->data;
                 }});
  out.push_back({"auto-reply-default-subject-utf8", [u = ++unique] {
                   return auto_reply(reporter(Style::postfix, u), original(utf8),
                                     "b\xC3\xBCro@example.net",
                                     {"",
                                      "Zur\xC3\xBC"
                                      "ck am Montag.\n"})
                       ->data;
                 }});
  out.push_back({"complaint-abuse", [u = ++unique] {
                   return complaint(reporter(Style::postfix, u), original(plain),
                                    "complains@example.net", "abuse")
                       ->data;
                 }});
  out.push_back({"complaint-large-not-spam", [u = ++unique] {
                   return complaint(reporter(Style::postfix, u), original(large),
                                    "complains@example.net", "not-spam")
                       ->data;
                 }});
  return out;
}

std::filesystem::path golden_dir() {
  return std::filesystem::path(BOUNCEBACK_SOURCE_DIR) / "tests" / "unit" / "report" / "golden";
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The first line where `got` and `want` differ, for the failure message.
std::string first_difference(const std::string& got, const std::string& want) {
  std::size_t at = 0, line = 1;
  while (at < got.size() && at < want.size() && got[at] == want[at]) line += got[at++] == '\n';
  const auto line_of = [&](const std::string& s) {
    const auto start = s.rfind('\n', at == 0 ? 0 : at - 1);
    const auto from = start == std::string::npos || at == 0 ? 0 : start + 1;
    return s.substr(from, s.find('\n', from) - from);
  };
  return "line " + std::to_string(line) + "\n  got:  " + line_of(got) +
         "\n  want: " + line_of(want);
}

}  // namespace

TEST_CASE("generated reports match their golden files byte for byte", "[report][golden]") {
  const bool update = std::getenv("BOUNCEBACK_UPDATE_GOLDEN") != nullptr;
  if (update) std::filesystem::create_directories(golden_dir());
  for (const auto& c : cases()) {
    const auto path = golden_dir() / (c.name + ".eml");
    const std::string got = c.generate();
    // Generating twice gives the same bytes: nothing depends on the real clock or on state.
    REQUIRE(c.generate() == got);
    if (update) {
      std::ofstream(path, std::ios::binary) << got;
      continue;
    }
    INFO(c.name << " (" << path.string() << ")");
    REQUIRE(std::filesystem::exists(path));
    const std::string want = read_file(path);
    INFO(first_difference(got, want));
    CHECK(got == want);
  }
}

TEST_CASE("every golden file is a case (none left over)", "[report][golden]") {
  std::vector<std::string> names;
  for (const auto& c : cases()) names.push_back(c.name + ".eml");
  for (const auto& entry : std::filesystem::directory_iterator(golden_dir())) {
    const auto name = entry.path().filename().string();
    INFO(name);
    CHECK(std::find(names.begin(), names.end(), name) != names.end());
  }
}
