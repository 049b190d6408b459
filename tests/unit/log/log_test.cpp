// Unit tests of the log line formats: logfmt quoting and escaping, typed JSON values.
#include "log/log.hpp"

#include <catch2/catch.hpp>
#include <stdexcept>
#include <string>
#include <vector>

using namespace bounceback;
using log::Format;
using log::Level;

namespace {
constexpr std::string_view ts = "2024-05-01T12:00:00.000Z";
}

TEST_CASE("logfmt: bare values, quoted when needed, escaped inside quotes", "[log]") {
  const std::vector<std::string> rcpts{"a@x.test", "b@x.test"};
  CHECK(log::format_line(Format::text, ts, Level::info, "message accepted",
                         {{"id", "s-1.1"},
                          {"size", std::uint64_t{312}},
                          {"tls", false},
                          {"rcpt", rcpts},
                          {"empty", ""}}) ==
        "ts=2024-05-01T12:00:00.000Z level=info msg=\"message accepted\" id=s-1.1 size=312 "
        "tls=false rcpt=a@x.test,b@x.test empty=\"\"\n");
  CHECK(
      log::format_line(Format::text, ts, Level::warn, "x", {{"text", "a \"b\" c\\d\r\ne=f\x01"}}) ==
      "ts=2024-05-01T12:00:00.000Z level=warn msg=x text=\"a \\\"b\\\" c\\\\d\\r\\ne=f\\u0001\"\n");
  CHECK(log::format_line(Format::text, ts, Level::info, "x", {{"k", "a=b"}}) ==
        "ts=2024-05-01T12:00:00.000Z level=info msg=x k=\"a=b\"\n");
}

TEST_CASE("json: numbers, booleans and lists keep their type", "[log]") {
  const std::vector<std::string> listeners{"smtp=127.0.0.1:1025", "http=127.0.0.1:8025"};
  CHECK(log::format_line(Format::json, ts, Level::info, "ready",
                         {{"listeners", listeners},
                          {"port", std::uint16_t{1025}},
                          {"delta", -3},
                          {"tls", true},
                          {"name", "a\"b\\c\n"}}) ==
        "{\"ts\":\"2024-05-01T12:00:00.000Z\",\"level\":\"info\",\"msg\":\"ready\","
        "\"listeners\":[\"smtp=127.0.0.1:1025\",\"http=127.0.0.1:8025\"],\"port\":1025,"
        "\"delta\":-3,\"tls\":true,\"name\":\"a\\\"b\\\\c\\n\"}\n");
}

TEST_CASE("client text: invalid UTF-8 replaced, valid UTF-8 kept, long values cut", "[log]") {
  const auto json =
      log::format_line(Format::json, ts, Level::info, "x",
                       {{"a", "caf\xc3\xa9"}, {"b", "\xff\xc3"}, {"c", "\xed\xa0\x80"}});
  CHECK(json.find("\"a\":\"caf\xc3\xa9\"") != std::string::npos);
  CHECK(json.find("\"b\":\"\\ufffd\\ufffd\"") != std::string::npos);
  CHECK(json.find("\"c\":\"\\ufffd\\ufffd\\ufffd\"") != std::string::npos);  // a surrogate
  const auto text = log::format_line(Format::text, ts, Level::info, "x", {{"a", "caf\xc3\xa9"}});
  CHECK(text.find("a=\"caf\xc3\xa9\"") != std::string::npos);  // non-ASCII is quoted
  const std::string huge(10000, 'x');
  CHECK(log::format_line(Format::text, ts, Level::info, "x", {{"a", huge}}).size() < 700);
  CHECK(log::format_line(Format::json, ts, Level::info, "x", {{"a", huge}}).size() < 700);
}

TEST_CASE("a copied number field still shows its digits", "[log]") {
  const log::Value v{std::uint64_t{1234567}};
  const log::Value copy = v;
  CHECK(copy.text() == "1234567");
  CHECK(copy.kind() == log::Value::Kind::number);
}

TEST_CASE("log: what an escaped exception says", "[log]") {
  CHECK(log::what(std::make_exception_ptr(std::runtime_error("disk full"))) == "disk full");
  CHECK(log::what(std::make_exception_ptr(42)) == "unknown exception");
}
