// bench/erase-bench.cpp - MessageStore::erase of one message with N stored, timed in-process:
// from the middle (until session 11 the store's deque closed the gap: up to n/2 shared_ptrs
// moved; now a tombstone), of the newest and of the oldest. 200 erases each; median and 95th
// percentile in us (docs/benchmarks.md, "Session 10", "Session 11"). Then what an erase must
// not make slower, with the 600 tombstones in place: a page of 50 at offset 0 and at n/2, a
// find by id (200 each, median us), and N more stores that each evict the oldest (ns a store,
// the fill's too). Not part of the build; against a build's libraries:
//
//   g++ -std=c++20 -O2 -DNDEBUG -Isrc bench/erase-bench.cpp build/libbounceback_store.a \
//       build/libbounceback_smtp.a build/libbounceback_log.a -pthread -o /tmp/erase-bench
//   /tmp/erase-bench 100000          # one sender for every message (a long index list)
//   /tmp/erase-bench 100000 unique   # a sender per message
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "store/message_store.hpp"

using namespace bounceback;

int main(int argc, char** argv) {
  const std::size_t n = argc > 1 ? std::stoul(argv[1]) : 100000;
  const bool unique = argc > 2;
  constexpr int reps = 200;
  store::MessageStore s(n);
  auto make = [&](std::size_t i) {
    smtp::AcceptedMessage m;
    m.queue_id = "Q" + std::to_string(i);
    m.from = unique ? "app" + std::to_string(i) + "@example.test" : "app@example.test";
    m.rcpts.push_back({"user" + std::to_string(i % 500) + "@example.test", {}});
    m.data = "Subject: s\r\n\r\nbody\r\n";
    return m;
  };
  // ns a store over `count` stores, messages made beforehand (their making is not timed).
  auto time_stores = [&](std::size_t first, std::size_t count) {
    std::vector<smtp::AcceptedMessage> batch;
    batch.reserve(count);
    for (std::size_t i = 0; i < count; ++i) batch.push_back(make(first + i));
    const auto t = std::chrono::steady_clock::now();
    for (auto& m : batch) s.store(std::move(m));
    return std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t).count() /
           static_cast<double>(count);
  };
  const double fill_ns = time_stores(0, n);
  auto time_erase = [&](auto pick) {
    std::vector<double> us;
    for (int r = 0; r < reps; ++r) {
      const std::string id = pick(r);
      const auto t = std::chrono::steady_clock::now();
      if (!s.erase(id)) std::printf("missing %s\n", id.c_str());
      us.push_back(
          std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t).count());
    }
    std::sort(us.begin(), us.end());
    return std::pair{us[us.size() / 2], us[us.size() * 95 / 100]};
  };
  const auto middle = time_erase([&](int r) { return "Q" + std::to_string(n / 2 + 2 * r); });
  const auto newest = time_erase([&](int r) { return "Q" + std::to_string(n - 1 - r); });
  const auto oldest = time_erase([&](int r) { return "Q" + std::to_string(r); });
  std::printf(
      "stored %zu%s: erase median/p95 us: middle %.1f/%.1f, newest %.1f/%.1f, "
      "oldest %.1f/%.1f\n",
      n, unique ? " (a sender each)" : "", middle.first, middle.second, newest.first, newest.second,
      oldest.first, oldest.second);
  auto median_us = [&](auto call) {
    std::vector<double> us;
    for (int r = 0; r < reps; ++r) {
      const auto t = std::chrono::steady_clock::now();
      call(r);
      us.push_back(
          std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t).count());
    }
    std::sort(us.begin(), us.end());
    return us[us.size() / 2];
  };
  std::size_t sink = 0;
  const double first_page = median_us([&](int) { sink += s.newest({}, 0, 50).messages.size(); });
  const double mid_page = median_us([&](int) { sink += s.newest({}, n / 2, 50).messages.size(); });
  const double find = median_us([&](int r) {
    sink += s.find("Q" + std::to_string(n / 4 + static_cast<std::size_t>(r))) != nullptr;
  });
  const double evict_ns = time_stores(n, n);
  std::printf(
      "  then: page of 50 at 0 %.1f us, at n/2 %.1f us, find %.2f us; store (fill) %.0f ns, "
      "store evicting the oldest %.0f ns (%zu)\n",
      first_page, mid_page, find, fill_ns, evict_ns, sink);
}
