// A streamed JSON list: its pieces put together are the document a one-piece body would be,
// each element is made only when its turn comes, and a call makes at most one element.
#include "api/json_stream.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace bounceback::api;
namespace json = boost::json;

TEST_CASE("json_list_stream: the pieces make the whole document, one element per call", "[api]") {
  const std::size_t count = GENERATE(0, 1, 3);
  std::vector<std::size_t> made;
  auto stream = json_list_stream({{"total", 7}, {"start", 2}}, "sessions", count,
                                 [&made](std::size_t i) -> json::value {
                                   made.push_back(i);
                                   return json::object{{"n", i}, {"text", "a\"b\n"}};
                                 });
  std::string body;
  std::size_t calls = 0;
  for (bool more = true; more; ++calls) {
    const auto before = made.size();
    more = stream(body);
    CHECK(made.size() - before <= 1);  // never more than one element per piece
  }
  CHECK(calls == count + 1);
  CHECK(made.size() == count);
  REQUIRE(body.back() == '\n');
  json::array expected;
  for (std::size_t i = 0; i < count; ++i)
    expected.push_back(json::object{{"n", i}, {"text", "a\"b\n"}});
  const json::value whole{{"total", 7}, {"start", 2}, {"sessions", expected}};
  CHECK(json::parse(body) == whole);
  CHECK(body == json::serialize(whole) + "\n");  // the same bytes as a one-piece body
}

TEST_CASE("json_list_stream: no other fields", "[api]") {
  auto stream = json_list_stream({}, "items", 2, [](std::size_t i) { return json::value(i); });
  std::string body;
  while (stream(body)) {
  }
  CHECK(body == "{\"items\":[0,1]}\n");
}
