// The shared capture's stream entries (--state): a message written by one replica is read
// back whole by another (every envelope field, any byte in a value); deletes and clears; and
// entries this version cannot read are refused with a reason, never half read.
#include "redis/capture_entry.hpp"

#include <catch2/catch.hpp>

using namespace bounceback;
using redis::EntryKind;

namespace {

smtp::AcceptedMessage sample() {
  smtp::AcceptedMessage m;
  m.queue_id = "0a1b2c3d4e5f-7.2";
  m.from = "app@example.test";
  m.params.size = 12345;
  m.params.body = "8BITMIME";
  m.params.smtputf8 = true;
  m.params.ret = "HDRS";
  m.params.envid = "QQ314159";
  m.params.auth = "<>";
  m.rcpts = {{"a@example.test", {"SUCCESS,FAILURE", "rfc822;a@example.test"}},
             {"élodie@exemple.test", {}},
             {"odd:12:name@example.test", {"NEVER", ""}}};
  m.data = std::string("Subject: x\r\n\r\nbytes \0 with a NUL, colons 3:abc and CRLF\r\n", 56);
  m.session_id = "0a1b2c3d4e5f-7";
  m.client_ip = "192.0.2.7";
  m.helo = "client.test";
  m.tls_version = "TLSv1.3";
  m.tls_cipher = "TLS_AES_256_GCM_SHA384";
  m.auth_user = "alice";
  m.server_hostname = "mx.test";
  m.esmtp = true;
  m.tls = true;
  m.chunked = true;
  m.generated = "dsn";
  m.about = "0a1b2c3d4e5f-7.1";
  return m;
}

using Fields = std::vector<std::pair<std::string_view, std::string_view>>;

Fields entry(std::string_view origin, const std::string& records) {
  return {{"o", origin}, {"v", "1"}, {"r", records}};
}

// The records of an entry read back, after split_entry.
std::vector<redis::CaptureRecord> read_back(const Fields& fields) {
  std::string error;
  std::string_view origin, records;
  REQUIRE(redis::split_entry(fields, origin, records, error));
  auto out = redis::read_records(records, error);
  INFO(error);
  REQUIRE(out);
  return std::move(*out);
}

}  // namespace

TEST_CASE("capture entries: a message comes back whole", "[redis]") {
  const auto m = sample();
  const auto at =
      std::chrono::system_clock::time_point(std::chrono::microseconds(1764561600123456));
  std::string records;
  redis::append_record(records, EntryKind::message, m.queue_id, &m, at);
  const auto got = read_back(entry("replica-a", records));
  REQUIRE(got.size() == 1);
  const auto& e = got[0];
  CHECK(e.kind == EntryKind::message);
  CHECK(e.received_at == at);
  const auto& r = e.message;
  CHECK(r.queue_id == m.queue_id);
  CHECK(r.from == m.from);
  CHECK(r.params.size == m.params.size);
  CHECK(r.params.body == m.params.body);
  CHECK(r.params.smtputf8);
  CHECK(r.params.ret == m.params.ret);
  CHECK(r.params.envid == m.params.envid);
  CHECK(r.params.auth == m.params.auth);
  REQUIRE(r.rcpts.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(r.rcpts[i].address == m.rcpts[i].address);
    CHECK(r.rcpts[i].params.notify == m.rcpts[i].params.notify);
    CHECK(r.rcpts[i].params.orcpt == m.rcpts[i].params.orcpt);
  }
  CHECK(r.data == m.data);
  CHECK(r.session_id == m.session_id);
  CHECK(r.client_ip == m.client_ip);
  CHECK(r.helo == m.helo);
  CHECK(r.tls_version == m.tls_version);
  CHECK(r.tls_cipher == m.tls_cipher);
  CHECK(r.auth_user == m.auth_user);
  CHECK(r.server_hostname == m.server_hostname);
  CHECK(r.esmtp);
  CHECK_FALSE(r.lmtp);
  CHECK(r.tls);
  CHECK(r.chunked);
  CHECK(r.generated == m.generated);
  CHECK(r.about == m.about);
}

TEST_CASE("capture entries: values of every size around the writer's buffer come back", "[redis]") {
  // The writer gathers small values in a 512-byte buffer and appends a value over 256 bytes
  // straight: sizes on both sides of that, many recipients (several buffers' worth), after
  // records already in the string.
  for (const std::size_t size : {0, 1, 255, 256, 257, 511, 512, 513, 100000}) {
    auto m = sample();
    m.from = std::string(size, 'f');
    m.data = std::string(size, 'd') + "\r\n";
    m.rcpts.clear();
    for (int i = 0; i < 40; ++i)
      m.rcpts.push_back({std::string(size % 300, 'r') + std::to_string(i) + "@example.test",
                         {"SUCCESS", std::string(i * 7, 'o')}});
    std::string records;
    redis::append_record(records, EntryKind::erase, "before", nullptr, {});
    redis::append_record(records, EntryKind::message, m.queue_id, &m, {});
    records +=
        redis::completed_record(std::string(size, 's'), m.rcpts[0].address, scenario::Completion{});
    const auto got = read_back(entry("r", records));
    INFO("size " << size);
    REQUIRE(got.size() == 3);
    CHECK(got[0].message.queue_id == "before");
    CHECK(got[1].message.from == m.from);
    CHECK(got[1].message.data == m.data);
    REQUIRE(got[1].message.rcpts.size() == 40);
    for (std::size_t i = 0; i < 40; ++i) {
      CHECK(got[1].message.rcpts[i].address == m.rcpts[i].address);
      CHECK(got[1].message.rcpts[i].params.orcpt == m.rcpts[i].params.orcpt);
    }
    CHECK(got[1].message.about == m.about);
    CHECK(got[2].kind == EntryKind::completed);
    CHECK(got[2].attempt.session_id == std::string(size, 's'));
  }
}

TEST_CASE("capture entries: records in order; empty fields and no SIZE stay so", "[redis]") {
  smtp::AcceptedMessage empty;
  const auto full = sample();
  std::string records;
  redis::append_record(records, EntryKind::message, "x-1.1", &empty, {});
  redis::append_record(records, EntryKind::erase, "x-0.9", nullptr, {});
  redis::append_record(records, EntryKind::message, full.queue_id, &full, {});
  redis::append_record(records, EntryKind::clear, "", nullptr, {});
  const auto got = read_back(entry("r", records));
  REQUIRE(got.size() == 4);
  CHECK(got[0].kind == EntryKind::message);
  CHECK(got[0].message.queue_id == "x-1.1");
  CHECK_FALSE(got[0].message.params.size);
  CHECK(got[0].message.from.empty());
  CHECK(got[0].message.rcpts.empty());
  CHECK(got[0].message.data.empty());
  CHECK(got[1].kind == EntryKind::erase);
  CHECK(got[1].message.queue_id == "x-0.9");
  CHECK(got[2].message.data == full.data);
  CHECK(got[3].kind == EntryKind::clear);
  CHECK(redis::capture_key("loadtest:") == "loadtest:capture");
}

TEST_CASE("capture entries: what cannot be read is refused with a reason", "[redis]") {
  const auto m = sample();
  std::string good;
  redis::append_record(good, EntryKind::message, m.queue_id, &m, {});
  SECTION("the entry") {
    const std::string other = "2";
    const struct {
      Fields fields;
      std::string_view reason;
    } cases[] = {
        {{{"v", "1"}, {"r", good}}, "no origin"},
        {{{"o", "r"}, {"v", other}, {"r", good}}, "records of another version"},
        {{{"o", "r"}, {"r", good}}, "records of another version"},
        {{{"o", "r"}, {"v", "1"}}, "no records"},
    };
    for (const auto& c : cases) {
      std::string error;
      std::string_view origin, records;
      CAPTURE(c.reason);
      CHECK_FALSE(redis::split_entry(c.fields, origin, records, error));
      CHECK(error == c.reason);
    }
  }
  SECTION("the records: the entry is refused whole") {
    std::string clear;
    redis::append_record(clear, EntryKind::clear, "", nullptr, {});
    const struct {
      std::string records;
      std::string_view reason;
    } cases[] = {
        {clear + good.substr(0, good.size() - 1), "malformed record"},  // cut short
        {clear + good + "7", "malformed record"},                       // trailing bytes
        {"1:z", "unknown kind of record"},
        {"2:mm", "malformed record"},
        {"1:d0:", "malformed record"},      // an erase without an id
        {"1:d19:abc", "malformed record"},  // a length past the end
    };
    for (const auto& c : cases) {
      std::string error;
      CAPTURE(c.records);
      CHECK_FALSE(redis::read_records(c.records, error));
      CHECK(error == c.reason);
    }
  }
}

TEST_CASE("capture entries: a recipient count larger than the text is refused", "[redis]") {
  smtp::AcceptedMessage m;
  m.rcpts.resize(1);
  std::string records;
  redis::append_record(records, EntryKind::message, "x-1.1", &m, {});
  std::string error;
  REQUIRE(redis::read_records(records, error));
  // The count ("1:1" after the kind, id, time and seven empty or "0" fields) becomes huge:
  // refused, nothing reserved.
  const auto at = records.find("0:0:0:1:00:0:0:1:1");
  REQUIRE(at != std::string::npos);
  records.replace(at + 15, 3, "10:9999999999");
  CHECK_FALSE(redis::read_records(records, error));
}

TEST_CASE("capture entries: the attempt log's changes come back whole", "[redis]") {
  scenario::AttemptRecord a;
  a.at = std::chrono::system_clock::time_point(std::chrono::microseconds(1764561600000001));
  a.from = "app@example.test";
  a.rcpt = "user@example.test";
  a.client_ip = "192.0.2.9";
  a.session_id = "0a1b2c3d4e5f-3";
  a.reply = "451 4.7.1 Greylisted\r\n";
  a.sent_at = a.at + std::chrono::seconds(2);
  a.outcome = scenario::Outcome::refused;
  a.stage = smtp::EventKind::rcpt;
  a.client_gone = true;
  scenario::Completion how;
  how.reply = "250 2.0.0 Ok: queued as x\r\n";
  how.outcome = scenario::Outcome::accepted;
  how.stage = smtp::EventKind::message;
  how.at = a.at + std::chrono::minutes(6);
  how.stored = true;
  std::string records = redis::attempt_record(a, true) +
                        redis::completed_record(a.session_id, a.rcpt, how) +
                        redis::sent_record(a.session_id, how.at, smtp::Sent::client_gone) +
                        redis::attempts_cleared_record();
  auto no_sent_at = a;
  no_sent_at.sent_at.reset();
  records += redis::attempt_record(no_sent_at, false);
  const auto got = read_back(entry("r", records));
  REQUIRE(got.size() == 5);
  CHECK(got[0].kind == EntryKind::attempt);
  const auto& r = got[0].attempt;
  CHECK(r.at == a.at);
  CHECK(r.from == a.from);
  CHECK(r.rcpt == a.rcpt);
  CHECK(r.client_ip == a.client_ip);
  CHECK(r.session_id == a.session_id);
  CHECK(r.reply == a.reply);
  CHECK(r.sent_at == a.sent_at);
  CHECK(r.outcome == a.outcome);
  CHECK(r.stage == a.stage);
  CHECK(r.client_gone);
  CHECK_FALSE(r.stored);
  CHECK(got[0].paced);
  CHECK(got[1].kind == EntryKind::completed);
  CHECK(got[1].attempt.session_id == a.session_id);
  CHECK(got[1].attempt.rcpt == a.rcpt);
  CHECK(got[1].attempt.reply == how.reply);
  CHECK(got[1].attempt.outcome == how.outcome);
  CHECK(got[1].attempt.stage == how.stage);
  CHECK(got[1].attempt.at == how.at);
  CHECK(got[1].attempt.stored);
  CHECK_FALSE(got[1].paced);
  CHECK(got[2].kind == EntryKind::sent);
  CHECK(got[2].attempt.session_id == a.session_id);
  CHECK(got[2].attempt.at == how.at);
  CHECK(got[2].how == smtp::Sent::client_gone);
  CHECK(got[3].kind == EntryKind::attempts_cleared);
  CHECK_FALSE(got[4].attempt.sent_at);
  CHECK_FALSE(got[4].paced);
  // An outcome or stage out of range is refused, not cast.
  std::string bad = redis::sent_record("s", how.at, smtp::Sent::delivered);
  bad.replace(bad.size() - 3, 3, "1:7");
  std::string error;
  CHECK_FALSE(redis::read_records(bad, error));
}

TEST_CASE("capture entries: an attempt recorded and completed at once is one record", "[redis]") {
  // What a replica sends when an attempt's completion came while the attempt was held: the
  // attempt's fields as AttemptLog::complete leaves them; another replica's log takes it as
  // it stands, its reply's sent time included.
  scenario::AttemptRecord a;
  a.at = std::chrono::system_clock::time_point(std::chrono::microseconds(1764561600000001));
  a.from = "app@example.test";
  a.rcpt = "user@example.test";
  a.session_id = "0a1b2c3d4e5f-3";
  a.reply = "250 2.0.0 Ok: queued as 0a1b2c3d4e5f-3.1\r\n";
  a.sent_at = a.at + std::chrono::milliseconds(40);
  a.outcome = scenario::Outcome::accepted;
  a.stage = smtp::EventKind::message;
  a.stored = true;
  const auto got = read_back(entry("r", redis::attempt_record(a, false, EntryKind::finished)));
  REQUIRE(got.size() == 1);
  CHECK(got[0].kind == EntryKind::finished);
  CHECK(got[0].attempt.outcome == scenario::Outcome::accepted);
  CHECK(got[0].attempt.sent_at == a.sent_at);
  scenario::AttemptLog log(10);
  log.record(got[0].attempt, got[0].paced);
  const auto listed = log.query("", "");
  REQUIRE(listed.size() == 1);
  CHECK(listed[0].sent_at == a.sent_at);  // not the attempt's own time
  CHECK(listed[0].outcome == scenario::Outcome::accepted);
  CHECK(listed[0].stored);
}

TEST_CASE("capture entries: times of every length come back, as decimal microseconds", "[redis]") {
  // The writer takes a 16-digit time (2001 to 2262, system_clock's nanoseconds' end) apart in
  // two halves of 8 digits: halves with leading zeros, and every other length (to_chars's
  // way), must come back the same.
  for (const std::uint64_t micros :
       {0ull, 7ull, 10ull, 999'999'999ull, 1'000'000'000ull, 999'999'999'999'999ull,
        1'000'000'000'000'000ull, 1'000'000'000'000'001ull, 1'764'561'600'000'001ull,
        1'764'561'600'123'456ull, 1'700'000'000'000'000ull, 1'200'000'009'000'000ull,
        9'000'000'000'000'009ull, 9'223'372'036'854'775ull}) {
    scenario::AttemptRecord a;
    a.at = std::chrono::system_clock::time_point(std::chrono::microseconds(micros));
    a.sent_at = a.at;
    const std::string record = redis::attempt_record(a, false);
    const std::string digits = std::to_string(micros);
    CHECK(record.find(std::to_string(digits.size()) + ":" + digits + "0:") != std::string::npos);
    const auto got = read_back(entry("r", record));
    REQUIRE(got.size() == 1);
    CHECK(got[0].attempt.at == a.at);
    CHECK(got[0].attempt.sent_at == a.sent_at);
  }
}
