// bench/erase-bench.cpp - MessageStore::erase of one message with N stored, timed in-process:
// from the middle (the store's deque closes the gap: up to n/2 shared_ptrs moved), of the
// newest and of the oldest (nothing to move). 200 erases each; median and 95th percentile in
// us (docs/benchmarks.md, "Session 10"). Not part of the build; against a build's libraries:
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
  store::MessageStore s(n + 10);
  for (std::size_t i = 0; i < n; ++i) {
    smtp::AcceptedMessage m;
    m.queue_id = "Q" + std::to_string(i);
    m.from = unique ? "app" + std::to_string(i) + "@example.test" : "app@example.test";
    m.rcpts.push_back({"user" + std::to_string(i % 500) + "@example.test", {}});
    m.data = "Subject: s\r\n\r\nbody\r\n";
    s.store(std::move(m));
  }
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
}
