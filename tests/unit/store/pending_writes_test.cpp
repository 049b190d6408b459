// PendingWrites: a store_later made while a watcher's scope is alive tells it when its write
// starts (on the caller's thread) and when the message is kept (on the spool's writer, after
// it is visible), so an SMTP connection can hold its reply until the DSN it caused is listed.
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "store/message_store.hpp"
#include "store/spool.hpp"

namespace fs = std::filesystem;
using bounceback::smtp::AcceptedMessage;
using bounceback::store::MessageStore;
using bounceback::store::PendingWrites;
using bounceback::store::Spool;

namespace {

AcceptedMessage message(const std::string& id) {
  AcceptedMessage m;
  m.queue_id = id;
  m.from = "";
  m.rcpts.push_back({"sender@x.test", {}});
  m.data = "Subject: " + id + "\r\n\r\nbody\r\n";
  m.generated = "dsn";
  return m;
}

struct Watcher final : PendingWrites {
  MessageStore* store = nullptr;
  std::atomic<int> started_count{0}, finished_count{0};
  std::thread::id started_on;
  std::promise<std::thread::id> finished_on;
  std::string expect;     // the id kept before finished() is called
  bool was_kept = false;  // ...and whether it was
  void started() override {
    ++started_count;
    started_on = std::this_thread::get_id();
  }
  void finished() override {
    was_kept = store->find(expect) != nullptr;
    if (++finished_count == 1) finished_on.set_value(std::this_thread::get_id());
  }
};

}  // namespace

TEST_CASE("pending writes: a scope is the thread's watcher until it ends, nested scopes too",
          "[store]") {
  Watcher a, b;
  CHECK(PendingWrites::current() == nullptr);
  {
    const PendingWrites::Scope outer(a);
    CHECK(PendingWrites::current() == &a);
    {
      const PendingWrites::Scope inner(b);
      CHECK(PendingWrites::current() == &b);
      std::thread([] { CHECK(PendingWrites::current() == nullptr); }).join();  // per thread
    }
    CHECK(PendingWrites::current() == &a);
  }
  CHECK(PendingWrites::current() == nullptr);
}

TEST_CASE("pending writes: store_later tells the watcher when the message is kept", "[store]") {
  const auto dir = fs::temp_directory_path() / ("bounceback-pending-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  {
    MessageStore store(10, std::make_unique<Spool>(dir));
    Watcher w;
    w.store = &store;
    w.expect = "D1";
    {
      const PendingWrites::Scope scope(w);
      store.store_later(message("D1"));
    }
    CHECK(w.started_count == 1);
    CHECK(w.started_on == std::this_thread::get_id());
    auto finished = w.finished_on.get_future();
    REQUIRE(finished.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
    CHECK(finished.get() != std::this_thread::get_id());  // the writer's thread
    CHECK(w.was_kept);                                    // visible before the watcher hears
    CHECK(w.finished_count == 1);

    // Outside a scope: nobody is told.
    store.store_later(message("D2"));
    for (int i = 0; i < 3000 && !store.find("D2"); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    CHECK(store.find("D2") != nullptr);
    CHECK(w.started_count == 1);
    CHECK(w.finished_count == 1);

    // A refused write (the spool stopped) is finished too, at once: a waiter never hangs.
    Watcher refused;
    refused.store = &store;
    refused.expect = "D3";
    store.spool()->stop();
    {
      const PendingWrites::Scope scope(refused);
      store.store_later(message("D3"));
    }
    CHECK(refused.started_count == 1);
    CHECK(refused.finished_count == 1);
    CHECK_FALSE(refused.was_kept);
  }
  fs::remove_all(dir);
}

TEST_CASE("pending writes: without a spool store_later stores at once and tells no one",
          "[store]") {
  MessageStore store(10);
  Watcher w;
  w.store = &store;
  {
    const PendingWrites::Scope scope(w);
    store.store_later(message("M1"));
  }
  CHECK(store.find("M1") != nullptr);
  CHECK(w.started_count == 0);
  CHECK(w.finished_count == 0);
}
