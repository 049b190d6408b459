// The spool: .eml files under their final names only once complete, one whole envelope line
// per message in the journal under concurrent writers, and failed writes reported.
#include "store/spool.hpp"

#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "store/message_store.hpp"

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

std::vector<std::string> journal_lines(const fs::path& dir) {
  std::vector<std::string> lines;
  std::istringstream in(read(dir / Spool::journal_name));
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The parsed line, or null where it is not a JSON object.
boost::json::object parse(const std::string& line) {
  boost::json::error_code ec;
  const auto v = boost::json::parse(line, ec);
  return !ec && v.is_object() ? v.as_object() : boost::json::object{};
}

}  // namespace

TEST_CASE("spool: concurrent writers all land, each file complete", "[store]") {
  const auto dir = temp_dir("bounceback-spool-test");
  {
    // Four writer threads (the default is one): groups committed and flushed at once.
    Spool::Options options;
    options.writers = 4;
    Spool spool(dir, options);
    constexpr int threads = 16, each = 20;
    std::atomic<int> ok{0};
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        for (int i = 0; i < each; ++i)
          if (spool.write(message("T" + std::to_string(t) + '-' + std::to_string(i)))) ++ok;
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
    // One whole line per message, never two interleaved.
    const auto lines = journal_lines(dir);
    CHECK(lines.size() == threads * each);
    std::set<std::string> ids;
    for (const auto& line : lines) {
      const auto o = parse(line);
      REQUIRE(o.contains("id"));
      const std::string id(o.at("id").as_string());
      ids.insert(id);
      CHECK(o.at("file").as_string() == id + ".eml");
      CHECK(fs::exists(dir / (id + ".eml")));
    }
    CHECK(ids.size() == threads * each);
  }
  fs::remove_all(dir);
}

TEST_CASE("spool: the journal line carries the envelope", "[store]") {
  const auto dir = temp_dir("bounceback-journal-test");
  {
    Spool spool(dir);
    auto m = message("S1.1");
    m.rcpts.push_back({"c\"q@y.test", {}});
    m.session_id = "S1";
    m.client_ip = "127.0.0.1";
    m.helo = "client\x01.test";
    m.tls = true;
    m.auth_user = "alice";
    REQUIRE(spool.write(m));
    const auto lines = journal_lines(dir);
    REQUIRE(lines.size() == 1);
    const auto o = parse(lines[0]);
    CHECK(o.at("id") == "S1.1");
    CHECK(o.at("file") == "S1.1.eml");
    CHECK(o.at("from") == "a@x.test");
    CHECK(o.at("to") == boost::json::array{"b@y.test", "c\"q@y.test"});
    CHECK(o.at("session_id") == "S1");
    CHECK(o.at("client_ip") == "127.0.0.1");
    CHECK(o.at("helo") == "client\x01.test");
    CHECK(o.at("tls") == true);
    CHECK(o.at("auth_user") == "alice");
    CHECK(o.at("generated").is_null());  // a client sent it
    // A DSN Bounceback wrote says so, as its JSON does ("generated": "dsn").
    auto dsn = message("S1.1-dsn-1");
    dsn.from.clear();
    dsn.generated = "dsn";
    dsn.about = "S1.1";
    REQUIRE(spool.write(dsn));
    const auto both = journal_lines(dir);
    REQUIRE(both.size() == 2);
    CHECK(parse(both[1]).at("generated") == "dsn");
    CHECK(parse(both[1]).at("about") == "S1.1");
    CHECK(parse(both[0]).at("about").is_null());
    CHECK(parse(both[1]).at("from") == "");
  }
  fs::remove_all(dir);
}

TEST_CASE("spool: a failed append returns false and never glues lines", "[store]") {
  const auto dir = temp_dir("bounceback-journal-full");
  {
    Spool spool(dir);
    REQUIRE(spool.write(message("F1")));
    // A file size limit stands in for a full disk: the next line is cut after 10 bytes.
    const auto size = fs::file_size(dir / Spool::journal_name);
    rlimit old{};
    REQUIRE(::getrlimit(RLIMIT_FSIZE, &old) == 0);
    const auto old_handler = ::signal(SIGXFSZ, SIG_IGN);
    rlimit small = old;
    small.rlim_cur = size + 10;
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);
    const bool cut = spool.write(message("F2"));
    const bool refused = spool.write(message("F3"));
    ::setrlimit(RLIMIT_FSIZE, &old);
    ::signal(SIGXFSZ, old_handler);
    CHECK_FALSE(cut);
    CHECK_FALSE(refused);
    CHECK(spool.write(message("F4")));
    const auto lines = journal_lines(dir);
    REQUIRE(lines.size() == 3);
    CHECK(parse(lines[0]).at("id") == "F1");
    CHECK(lines[1].size() == 10);
    CHECK(parse(lines[1]).empty());
    CHECK(parse(lines[2]).at("id") == "F4");
  }
  fs::remove_all(dir);
}

TEST_CASE("spool: a journal cut short before the start gets a new line", "[store]") {
  const auto dir = temp_dir("bounceback-journal-torn");
  fs::create_directories(dir);
  std::ofstream(dir / Spool::journal_name) << "{\"id\":\"X";
  {
    Spool spool(dir);
    REQUIRE(spool.write(message("T1")));
    const auto lines = journal_lines(dir);
    REQUIRE(lines.size() == 2);
    CHECK(lines[0] == "{\"id\":\"X");
    CHECK(parse(lines[1]).at("id") == "T1");
  }
  fs::remove_all(dir);
}

TEST_CASE("spool: a journal that cannot be opened fails at start", "[store]") {
  const auto dir = temp_dir("bounceback-journal-dir");
  fs::create_directories(dir / Spool::journal_name);  // a directory in its place
  CHECK_THROWS_WITH(Spool(dir), Catch::Contains("cannot open envelope journal"));
  fs::remove_all(dir);
}

TEST_CASE("message store: stores through its spool", "[store]") {
  CHECK(MessageStore(10).spool() == nullptr);
  const auto dir = temp_dir("bounceback-store-test");
  {
    MessageStore store(10, std::make_unique<Spool>(dir));
    REQUIRE(store.spool() != nullptr);
    CHECK(store.store(message("M1")));
    CHECK(store.size() == 1);
    CHECK(fs::exists(dir / "M1.eml"));
  }
  fs::remove_all(dir);
}

TEST_CASE("message store: store_later keeps a message once its spool wrote it", "[store]") {
  const auto dir = temp_dir("bounceback-store-later");
  {
    MessageStore store(10, std::make_unique<Spool>(dir));
    std::promise<std::thread::id> kept_on;
    bool on_disk = false;
    store.subscribe([&](const bounceback::store::MessagePtr& m) {
      on_disk = fs::exists(dir / (m->message.queue_id + ".eml"));  // before it is visible
      kept_on.set_value(std::this_thread::get_id());
    });
    store.store_later(message("L1"));  // returns without waiting for the flush
    auto kept = kept_on.get_future();
    REQUIRE(kept.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
    CHECK(kept.get() != std::this_thread::get_id());  // the spool's writer kept it
    CHECK(on_disk);
    REQUIRE(store.find("L1") != nullptr);
    CHECK(store.find("L1")->message.data == read(dir / "L1.eml"));
    CHECK(store.spool_failures() == 0);
    // A stopped spool refuses at once, on this thread: counted, not kept.
    store.spool()->stop();
    store.store_later(message("L2"));
    CHECK(store.spool_failures() == 1);
    CHECK(store.find("L2") == nullptr);
    CHECK(store.size() == 1);
  }
  // Writes still queued when the store goes are kept (and heard of) before its parts are
  // freed: its destructor stops the spool first.
  std::atomic<int> heard{0};
  {
    MessageStore store(100, std::make_unique<Spool>(dir));
    store.subscribe([&](const bounceback::store::MessagePtr& m) {
      heard += store.find(m->message.queue_id) == m;
    });
    for (int i = 0; i < 50; ++i) store.store_later(message("Q" + std::to_string(i)));
  }
  CHECK(heard == 50);
  fs::remove_all(dir);
}

TEST_CASE("spool: submitted writes are finished, in groups, on the writer", "[store]") {
  const auto dir = temp_dir("bounceback-spool-submit");
  {
    Spool spool(dir);
    struct Counted : Spool::Write {
      std::atomic<int>* ok;
      std::atomic<int>* failed;
    };
    std::atomic<int> ok{0}, failed{0};
    std::vector<AcceptedMessage> messages;
    for (int i = 0; i < 200; ++i) messages.push_back(message("G" + std::to_string(i)));
    messages[7].queue_id = "../escape";  // refused by name: only this one fails
    std::vector<Counted> writes(messages.size());
    for (std::size_t i = 0; i < messages.size(); ++i) {
      writes[i].message = &messages[i];
      writes[i].ok = &ok;
      writes[i].failed = &failed;
      writes[i].finish = [](Spool::Write& self, bool good) {
        auto& c = static_cast<Counted&>(self);
        ++*(good ? c.ok : c.failed);
      };
      spool.submit(writes[i]);
    }
    spool.stop();  // finishes everything queued first
    CHECK(ok == 199);
    CHECK(failed == 1);
    CHECK(journal_lines(dir).size() == 199);
    CHECK(read(dir / "G199.eml") == "Subject: G199\r\n\r\nbody\r\n");
    // After stop(), a write is refused at once.
    CHECK_FALSE(spool.write(message("late")));
    CHECK_FALSE(fs::exists(dir / "late.eml"));
  }
  fs::remove_all(dir);
}

TEST_CASE("spool: quiet submits wait for wake(), then go as one group", "[store]") {
  const auto dir = temp_dir("bounceback-spool-quiet");
  {
    Spool spool(dir);
    // Every writer waits for work first (a writer still starting would take the queue
    // without a wake).
    REQUIRE(spool.write(message("warm")));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const auto groups = spool.stats().groups;
    struct Flagged : Spool::Write {
      std::atomic<int>* done;
    };
    std::atomic<int> done{0};
    std::vector<AcceptedMessage> messages;
    for (int i = 0; i < 5; ++i) messages.push_back(message("Q" + std::to_string(i)));
    std::vector<Flagged> writes(messages.size());
    std::vector<bool> first;
    for (std::size_t i = 0; i < messages.size(); ++i) {
      writes[i].message = &messages[i];
      writes[i].done = &done;
      writes[i].finish = [](Spool::Write& self, bool good) {
        if (good) ++*static_cast<Flagged&>(self).done;
      };
      first.push_back(spool.submit_quiet(writes[i]));
    }
    // Only the first found the queue empty: the caller owes one wake().
    CHECK(first == std::vector<bool>{true, false, false, false, false});
    // No writer was woken: nothing is written until wake().
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    CHECK(done == 0);
    CHECK_FALSE(fs::exists(dir / "Q0.eml"));
    spool.wake();
    for (int i = 0; i < 500 && done < 5; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    CHECK(done == 5);
    CHECK(spool.stats().groups == groups + 1);  // one writer took all five: one flush
    CHECK(read(dir / "Q4.eml") == "Subject: Q4\r\n\r\nbody\r\n");
  }
  fs::remove_all(dir);
}
