// decide() from many threads while the scenario is swapped: no torn scenario, no lost counts.
#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "support.hpp"

using namespace test;

TEST_CASE("concurrent decide and set_scenario", "[scenario][threads]") {
  Harness h;
  auto a = load("[[rule]]\non = \"rcpt\"\nreply = \"550 5.1.1 from A\"\n");
  auto b = load("[[rule]]\non = \"rcpt\"\nreply = \"451 4.3.0 from B\"\n");
  std::atomic<bool> stop{false};
  std::atomic<int> torn{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      Client c("192.0.2." + std::to_string(t + 1), static_cast<std::uint64_t>(t + 1));
      c.from = "s@x.test";
      for (int i = 0; i < 5000; ++i) {
        auto d = h.engine.decide(c.event(EventKind::rcpt, "u@x.test"));
        // A decision comes whole from one scenario (or none, before the first swap).
        if (d.reply && !((d.reply->code == 550 && d.reply->text == "from A") ||
                         (d.reply->code == 451 && d.reply->text == "from B")))
          ++torn;
      }
    });
  std::thread swapper([&] {
    for (int i = 0; !stop; ++i) h.engine.set_scenario(i % 2 ? a : b);
  });
  for (auto& t : threads) t.join();
  stop = true;
  swapper.join();
  CHECK(torn == 0);
  // Every RCPT was counted: 4 threads x 5000 attempts of one (from, rcpt), then this one.
  Client c("192.0.2.1", 99);
  c.from = "s@x.test";
  h.engine.set_scenario(
      load("[[rule]]\non = \"rcpt\"\nattempts = \"20001\"\nreply = \"550 5.0.0 n\"\n"));
  CHECK(code_of(h.engine.decide(c.event(EventKind::rcpt, "u@x.test"))) == 550);
}
