// The spool: files under their final names only once complete, and group commit of the
// directory fsync under concurrent writers.
#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include "store/message_store.hpp"
#include "store/spool.hpp"

namespace fs = std::filesystem;
using bounceback::smtp::AcceptedMessage;
using bounceback::store::MessageStore;
using bounceback::store::Spool;

namespace {

fs::path temp_dir(const std::string& name) {
  auto dir = fs::temp_directory_path() / (name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  return dir;
}

AcceptedMessage message(const std::string& id) {
  AcceptedMessage m;
  m.queue_id = id;
  m.from = "a@x.test";
  m.rcpts.push_back({"b@y.test", {}});
  m.data = "Subject: " + id + "\r\n\r\nbody\r\n";
  return m;
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("spool: concurrent writers all land, each file complete", "[store]") {
  const auto dir = temp_dir("bounceback-spool-test");
  {
    Spool spool(dir);
    constexpr int threads = 16, each = 20;
    std::atomic<int> ok{0};
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        for (int i = 0; i < each; ++i)
          if (spool.write(message("T" + std::to_string(t) + "-" + std::to_string(i)))) ++ok;
      });
    for (auto& th : pool) th.join();
    CHECK(ok == threads * each);
    int eml = 0, tmp = 0;
    for (const auto& e : fs::directory_iterator(dir)) {
      const auto name = e.path().filename().string();
      if (name.ends_with(".eml")) ++eml;
      if (name.ends_with(".tmp")) ++tmp;
    }
    CHECK(eml == threads * each);
    CHECK(tmp == 0);
    CHECK(read(dir / "T3-7.eml") == "Subject: T3-7\r\n\r\nbody\r\n");
    CHECK(read(dir / "T3-7.json").find("\"to\":[\"b@y.test\"]") != std::string::npos);
  }
  fs::remove_all(dir);
}

TEST_CASE("message store: blocking only with a spool", "[store]") {
  CHECK_FALSE(MessageStore(10).blocking());
  const auto dir = temp_dir("bounceback-store-test");
  {
    MessageStore store(10, std::make_unique<Spool>(dir));
    CHECK(store.blocking());
    CHECK(store.store(message("M1")));
    CHECK(store.size() == 1);
    CHECK(fs::exists(dir / "M1.eml"));
  }
  fs::remove_all(dir);
}
