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

std::optional<redis::CaptureEntry> round_trip(EntryKind kind, std::string_view id,
                                              const smtp::AcceptedMessage* m,
                                              std::chrono::system_clock::time_point at,
                                              std::string& error) {
  redis::EncodedEntry e;
  redis::encode_entry(kind, "replica-a", id, m, at, e);
  return redis::decode_entry(e.fields, error);
}

}  // namespace

TEST_CASE("capture entries: a message comes back whole", "[redis]") {
  const auto m = sample();
  const auto at =
      std::chrono::system_clock::time_point(std::chrono::microseconds(1764561600123456));
  std::string error;
  const auto e = round_trip(EntryKind::message, m.queue_id, &m, at, error);
  REQUIRE(e);
  CHECK(e->kind == EntryKind::message);
  CHECK(e->origin == "replica-a");
  CHECK(e->received_at == at);
  const auto& r = e->message;
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

TEST_CASE("capture entries: empty fields and no SIZE stay so", "[redis]") {
  smtp::AcceptedMessage m;
  m.queue_id = "x-1.1";
  std::string error;
  const auto e = round_trip(EntryKind::message, m.queue_id, &m, {}, error);
  REQUIRE(e);
  CHECK_FALSE(e->message.params.size);
  CHECK(e->message.from.empty());
  CHECK(e->message.rcpts.empty());
  CHECK(e->message.data.empty());
}

TEST_CASE("capture entries: deletes and clears", "[redis]") {
  std::string error;
  auto e = round_trip(EntryKind::erase, "x-3.1", nullptr, {}, error);
  REQUIRE(e);
  CHECK(e->kind == EntryKind::erase);
  CHECK(e->message.queue_id == "x-3.1");
  e = round_trip(EntryKind::clear, "", nullptr, {}, error);
  REQUIRE(e);
  CHECK(e->kind == EntryKind::clear);
  CHECK(e->origin == "replica-a");
}

TEST_CASE("capture entries: what cannot be read is refused with a reason", "[redis]") {
  const auto m = sample();
  redis::EncodedEntry good;
  redis::encode_entry(EntryKind::message, "r", m.queue_id, &m, {}, good);
  using Fields = std::vector<std::pair<std::string_view, std::string_view>>;
  auto with = [&](std::string_view name, std::string_view value) {
    Fields f(good.fields.begin(), good.fields.end());
    for (auto& [n, v] : f)
      if (n == name) v = value;
    return f;
  };
  auto without = [&](std::string_view name) {
    Fields f;
    for (const auto& p : good.fields)
      if (p.first != name) f.push_back(p);
    return f;
  };
  const std::string envelope = good.envelope;
  const struct {
    Fields fields;
    std::string_view reason;
  } cases[] = {
      {without("o"), "no origin"},
      {without("i"), "no message id"},
      {with("k", "z"), "unknown kind"},
      {without("b"), "incomplete message"},
      {without("e"), "incomplete message"},
      {with("t", "12x"), "incomplete message"},
      {with("e", "2:" + envelope.substr(2)), "malformed envelope"},  // another version
      {with("e", envelope.substr(0, envelope.size() - 1)), "malformed envelope"},
      {with("e", envelope + "1:0"), "malformed envelope"},  // trailing bytes
      {with("e", "1:19:"), "malformed envelope"},           // a length past the end
  };
  for (const auto& c : cases) {
    std::string error;
    CAPTURE(c.reason);
    CHECK_FALSE(redis::decode_entry(c.fields, error));
    CHECK(error == c.reason);
  }
}

TEST_CASE("capture entries: a recipient count larger than the text is refused", "[redis]") {
  smtp::AcceptedMessage m;
  m.rcpts.resize(1);
  std::string envelope = redis::encode_envelope(m);
  // The count field ("1:1", after the version and seven empty or "0" fields) becomes a huge
  // one: refused, nothing reserved.
  const auto at = envelope.find("1:1", 3);
  REQUIRE(at == 18);
  smtp::AcceptedMessage out;
  REQUIRE(redis::decode_envelope(envelope, out));
  envelope.replace(at, 3, "10:9999999999");
  CHECK_FALSE(redis::decode_envelope(envelope, out));
  CHECK(redis::capture_key("loadtest:") == "loadtest:capture");
}
