// The store's address index: case folding, order, eviction from the front, removal from the
// middle, repeated addresses, and forgetting an address with no message left.
#include "store/address_index.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <vector>

using bounceback::store::AddressIndex;

namespace {

std::vector<std::uint64_t> list(const AddressIndex& index, std::string_view address) {
  const auto s = index.sequences(address);
  return {s.begin(), s.end()};
}

}  // namespace

TEST_CASE("address index: lists by folded address, oldest first", "[store][index]") {
  AddressIndex index;
  index.add("Bob@X.test", 1);
  index.add("alice@x.test", 2);
  index.add("bob@x.TEST", 3);
  CHECK(list(index, "bob@x.test") == std::vector<std::uint64_t>{1, 3});
  CHECK(list(index, "BOB@X.TEST") == std::vector<std::uint64_t>{1, 3});
  CHECK(list(index, "alice@x.test") == std::vector<std::uint64_t>{2});
  CHECK(list(index, "bob@x.tes").empty());
  CHECK(list(index, "").empty());
  CHECK(index.addresses() == 2);
  // Only ASCII letters fold, as the filters compare: other bytes are themselves.
  index.add("\xc3\x89@x.test", 4);
  CHECK(list(index, "\xc3\xa9@x.test").empty());
  CHECK(list(index, "\xc3\x89@X.test") == std::vector<std::uint64_t>{4});
}

TEST_CASE("address index: one message naming an address twice is listed once", "[store][index]") {
  AddressIndex index;
  index.add("a@x.test", 7);
  index.add("A@x.test", 7);
  CHECK(list(index, "a@x.test") == std::vector<std::uint64_t>{7});
  index.remove("a@x.test", 7);
  index.remove("A@x.test", 7);  // the second removal finds nothing, harmlessly
  CHECK(index.addresses() == 0);
}

TEST_CASE("address index: removal from the front, the middle, and of what is not there",
          "[store][index]") {
  AddressIndex index;
  for (std::uint64_t s = 1; s <= 100; ++s) index.add("a@x.test", s);
  index.remove("a@x.test", 1);    // the oldest (eviction)
  index.remove("a@x.test", 50);   // the middle (DELETE of one message)
  index.remove("a@x.test", 500);  // not listed
  index.remove("b@x.test", 2);    // no such address
  auto got = list(index, "a@x.test");
  REQUIRE(got.size() == 98);
  CHECK(got.front() == 2);
  CHECK(got.back() == 100);
  CHECK(std::find(got.begin(), got.end(), 50) == got.end());
  // Evicting from the front past half compacts, and the order stays.
  for (std::uint64_t s = 2; s <= 80; ++s)
    if (s != 50) index.remove("a@x.test", s);
  got = list(index, "a@x.test");
  CHECK(got == std::vector<std::uint64_t>{81, 82, 83, 84, 85, 86, 87, 88, 89, 90,
                                          91, 92, 93, 94, 95, 96, 97, 98, 99, 100});
  index.add("a@x.test", 101);
  CHECK(list(index, "a@x.test").back() == 101);
  for (std::uint64_t s = 81; s <= 101; ++s) index.remove("a@x.test", s);
  CHECK(index.addresses() == 0);  // an address with no message is forgotten
  CHECK(list(index, "a@x.test").empty());
}

TEST_CASE("address index: clear and swap", "[store][index]") {
  AddressIndex index, other;
  index.add("a@x.test", 1);
  index.swap(other);
  CHECK(index.addresses() == 0);
  CHECK(list(other, "a@x.test") == std::vector<std::uint64_t>{1});
  other.clear();
  CHECK(other.addresses() == 0);
}
