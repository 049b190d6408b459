// The spool's write-ahead log: what replay() gives back after a clean write, a torn tail, a
// corrupt record and a reset; a locked log is left alone. And the spool's start: the logs a
// crashed server left are replayed into .eml files and journal lines, once.
#include "store/spool_log.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "store/spool.hpp"

namespace fs = std::filesystem;
using bounceback::store::Spool;
using bounceback::store::SpoolLog;

namespace {

struct Dir {
  explicit Dir(const std::string& name)
      : path(fs::temp_directory_path() / (name + "-" + std::to_string(::getpid()))) {
    fs::remove_all(path);
    fs::create_directories(path);
    fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  }
  ~Dir() {
    ::close(fd);
    fs::remove_all(path);
  }
  fs::path path;
  int fd;
};

struct Got {
  std::string id, line, data;
  bool operator==(const Got&) const = default;
};

// Replays DIR/name; `settled` says what settle() answers. Nothing when replay() refused.
std::optional<std::vector<Got>> replay(const Dir& dir, const std::string& name,
                                       SpoolLog::Replayed* result = nullptr, bool settled = true) {
  std::vector<Got> got;
  const auto r = SpoolLog::replay(
      dir.fd, name,
      [&](const SpoolLog::Record& rec) {
        got.push_back({std::string(rec.id), std::string(rec.line), std::string(rec.data)});
      },
      [&] { return settled; });
  if (!r) return std::nullopt;
  if (result) *result = *r;
  return got;
}

const std::vector<Got> three = {{"A1", "{\"id\":\"A1\"}\n", "Subject: one\r\n\r\n1\r\n"},
                                {"A2", "{\"id\":\"A2\"}\n", std::string(5000, 'x')},
                                {"A3", "{\"id\":\"A3\"}\n", ""}};

std::vector<SpoolLog::Record> records(const std::vector<Got>& gots) {
  std::vector<SpoolLog::Record> out;
  for (const auto& g : gots) out.push_back({g.id, g.line, g.data});
  return out;
}

// Writes the three records as two groups (the first alone), the way the writer does; the log
// is left behind as a crash leaves it (not removed). Returns where each group's records end
// (the file goes on with zeros: it is written ahead of the records).
std::vector<std::uintmax_t> write_log(const Dir& dir, const std::string& name) {
  SpoolLog log(dir.fd, name, 7);
  SpoolLog::Scratch scratch;
  std::vector<std::uintmax_t> sizes;
  REQUIRE(log.append(records({three[0]}), scratch));
  REQUIRE(log.flush());
  sizes.push_back(SpoolLog::header_size + log.size());
  REQUIRE(log.append(records({three[1], three[2]}), scratch));
  REQUIRE(log.flush());
  sizes.push_back(SpoolLog::header_size + log.size());
  CHECK(sizes.back() ==
        SpoolLog::header_size + 3 * SpoolLog::record_head + 6 + 36 + three[0].data.size() + 5000);
  CHECK(fs::file_size(dir.path / name) >= sizes[0] + SpoolLog::ahead);  // grown once
  return sizes;
}

void patch(const fs::path& file, std::uintmax_t at, char byte) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(static_cast<std::streamoff>(at));
  f.put(byte);
}

}  // namespace

TEST_CASE("spool log: every record comes back, in order, then the log is removed", "[store]") {
  Dir dir("bounceback-spool-log");
  write_log(dir, ".a.spool-log");
  SpoolLog::Replayed result;
  const auto got = replay(dir, ".a.spool-log", &result);
  REQUIRE(got);
  CHECK(*got == three);
  CHECK(result.epoch == 7);
  CHECK(result.records == 3);
  CHECK_FALSE(fs::exists(dir.path / ".a.spool-log"));
}

TEST_CASE("spool log: a log stays when settling fails", "[store]") {
  Dir dir("bounceback-spool-log-keep");
  write_log(dir, ".a.spool-log");
  CHECK(replay(dir, ".a.spool-log", nullptr, false)->size() == 3);
  CHECK(fs::exists(dir.path / ".a.spool-log"));
  CHECK(replay(dir, ".a.spool-log")->size() == 3);  // the next start replays it again
}

TEST_CASE("spool log: a torn tail gives back the whole records before it", "[store]") {
  Dir dir("bounceback-spool-log-torn");
  const auto sizes = write_log(dir, ".a.spool-log");
  // Cut anywhere in the second group: inside a record's head, its payload, or between two.
  const auto cut = GENERATE_COPY(sizes[0] + 1, sizes[0] + SpoolLog::record_head - 1,
                                 sizes[0] + SpoolLog::record_head + 3, sizes[1] - 1);
  CAPTURE(cut);
  fs::resize_file(dir.path / ".a.spool-log", cut);
  const auto got = replay(dir, ".a.spool-log");
  REQUIRE(got);
  // The first group always; the second's first record if the cut spared it.
  REQUIRE(!got->empty());
  CHECK((*got)[0] == three[0]);
  CHECK(got->size() == (cut >= sizes[1] - SpoolLog::record_head - 2 - 12 ? 2u : 1u));
  if (got->size() == 2) CHECK((*got)[1] == three[1]);
}

TEST_CASE("spool log: a record with a bad checksum is skipped, not the ones after it", "[store]") {
  Dir dir("bounceback-spool-log-sum");
  const auto sizes = write_log(dir, ".a.spool-log");
  SECTION("in the payload") {
    // A byte of the second record's data (5000 'x'), as a torn sector would leave it.
    patch(dir.path / ".a.spool-log", sizes[0] + SpoolLog::record_head + 2 + 12 + 100, 'y');
  }
  SECTION("in a length") {
    patch(dir.path / ".a.spool-log", sizes[0] + 16, 1);
  }
  // Groups are written and flushed at once by several writers: a later one may be durable
  // (and acknowledged) while an earlier one is torn.
  const auto got = replay(dir, ".a.spool-log");
  REQUIRE(got);
  CHECK(*got == std::vector<Got>{three[0], three[2]});
}

TEST_CASE("spool log: a hole left by a failed or unfinished write is read past", "[store]") {
  Dir dir("bounceback-spool-log-hole");
  {
    SpoolLog log(dir.fd, ".a.spool-log", 1);
    SpoolLog::Scratch scratch;
    REQUIRE(log.append(records({three[0]}), scratch));
    const auto hole = log.size();
    REQUIRE(log.append(records({three[1]}), scratch));
    REQUIRE(log.append(records({three[2]}), scratch));
    REQUIRE(log.flush());
    // The second group's bytes never reached the disk: zeros where it was.
    std::fstream f(dir.path / ".a.spool-log", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(SpoolLog::header_size + hole));
    f << std::string(SpoolLog::record_head + 2 + 12 + 5000, '\0');
  }
  CHECK(*replay(dir, ".a.spool-log") == std::vector<Got>{three[0], three[2]});
}

TEST_CASE("spool log: records beyond the zeros written ahead come back whole", "[store]") {
  // Each group passes the end the previous one grew the file to: zeros are written ahead
  // before the records that reach there, never over them.
  Dir dir("bounceback-spool-log-ahead");
  std::vector<Got> big;
  for (int i = 0; i < 5; ++i)
    big.push_back({"B" + std::to_string(i), "{\"id\":\"B" + std::to_string(i) + "\"}\n",
                   std::string(SpoolLog::ahead / 2 + 1000, static_cast<char>('a' + i))});
  {
    SpoolLog log(dir.fd, ".a.spool-log", 3);
    SpoolLog::Scratch scratch;
    for (const auto& b : big) REQUIRE(log.append(records({b}), scratch));
    REQUIRE(log.flush());
    CHECK(fs::file_size(dir.path / ".a.spool-log") >= SpoolLog::header_size + log.size());
  }
  CHECK(*replay(dir, ".a.spool-log") == big);
}

TEST_CASE("spool log: a message's bytes cannot pass for a record", "[store]") {
  Dir dir("bounceback-spool-log-forged");
  // A body holding what a record of the log's epoch looks like, checksummed without the
  // log's key (which a client cannot know); the log is then cut inside the real record, so
  // the replay reads through the body looking for the next record.
  std::string forged(SpoolLog::record_head, '\0');
  auto* h = reinterpret_cast<unsigned char*>(forged.data());
  std::memcpy(h, SpoolLog::record_magic.data(), 4);
  h[4] = 2;   // id "F1"
  h[24] = 9;  // the epoch
  const auto sum =
      bounceback::store::spool_checksum(bounceback::store::spool_checksum(0, h, 32), "F1", 2);
  std::memcpy(h + 32, &sum, 8);
  forged += "F1";  // last: appending may move the bytes h points to
  {
    SpoolLog log(dir.fd, ".a.spool-log", 9);
    SpoolLog::Scratch scratch;
    const std::string body = "Subject: x\r\n\r\n" + forged + "\r\n";
    REQUIRE(log.append(records({{"M1", "{}\n", body}}), scratch));
    REQUIRE(log.flush());
  }
  patch(dir.path / ".a.spool-log", SpoolLog::header_size + 33, 'z');  // M1's checksum
  CHECK(replay(dir, ".a.spool-log")->empty());
}

TEST_CASE("spool log: after a reset, the older records are never replayed", "[store]") {
  Dir dir("bounceback-spool-log-reset");
  {
    SpoolLog log(dir.fd, ".a.spool-log", 1);
    SpoolLog::Scratch scratch;
    REQUIRE(log.append(records(three), scratch));
    REQUIRE(log.flush());
    REQUIRE(log.reset(2));
    CHECK(log.size() == 0);
    // Shorter than what it overwrites: the older records after it are still in the file.
    REQUIRE(log.append(records({{"B1", "{\"id\":\"B1\"}\n", "b"}}), scratch));
    REQUIRE(log.flush());
  }
  SpoolLog::Replayed result;
  const auto got = replay(dir, ".a.spool-log", &result);
  REQUIRE(got);
  CHECK(*got == std::vector<Got>{{"B1", "{\"id\":\"B1\"}\n", "b"}});
  CHECK(result.epoch == 2);
}

TEST_CASE("spool log: a live server's log, or a file that is not a log, is left alone", "[store]") {
  Dir dir("bounceback-spool-log-live");
  SpoolLog log(dir.fd, ".a.spool-log", 1);  // holds its lock
  SpoolLog::Scratch scratch;
  REQUIRE(log.append(records(three), scratch));
  CHECK_FALSE(replay(dir, ".a.spool-log"));
  CHECK(fs::exists(dir.path / ".a.spool-log"));
  std::ofstream(dir.path / ".b.spool-log") << "not a log";
  CHECK_FALSE(replay(dir, ".b.spool-log"));
  CHECK_FALSE(replay(dir, ".missing.spool-log"));
  {
    SpoolLog empty(dir.fd, ".c.spool-log", 1);  // a header only: the other log of a crash
  }
  CHECK(replay(dir, ".c.spool-log")->empty());
  CHECK_FALSE(fs::exists(dir.path / ".c.spool-log"));
  log.remove();
  CHECK_FALSE(fs::exists(dir.path / ".a.spool-log"));
}

TEST_CASE("spool log: the checksum sees every byte and its place", "[store]") {
  using bounceback::store::spool_checksum;
  std::string s(37, 'a');
  const auto base = spool_checksum(0, s.data(), s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto t = s;
    t[i] = 'b';
    CHECK(spool_checksum(0, t.data(), t.size()) != base);
  }
  CHECK(spool_checksum(0, s.data(), s.size() - 1) != base);
  CHECK(spool_checksum(1, s.data(), s.size()) != base);
  CHECK(spool_checksum(0, "ab\0\0\0\0\0\0", 8) != spool_checksum(0, "ba\0\0\0\0\0\0", 8));
}

namespace {

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bounceback::smtp::AcceptedMessage message(const std::string& id) {
  bounceback::smtp::AcceptedMessage m;
  m.queue_id = id;
  m.from = "a@x.test";
  m.rcpts.push_back({"b@y.test", {}});
  m.data = "Subject: " + id + "\r\n\r\nbody\r\n";
  return m;
}

}  // namespace

TEST_CASE("spool: a crashed server's log is replayed at start, once", "[store]") {
  Dir dir("bounceback-spool-replay");
  // What a crash leaves: a log whose records were flushed, and (a power cut) neither their
  // files nor their journal lines; one line is there already and must not be doubled.
  {
    SpoolLog log(dir.fd, ".1-dead-0.spool-log", 3);
    SpoolLog::Scratch scratch;
    std::vector<Got> gots;
    for (const char* id : {"R1", "R2", "R3"}) {
      gots.push_back({id, std::string("{\"id\":\"") + id + "\",\"file\":\"" + id + ".eml\"}\n",
                      message(id).data});
    }
    REQUIRE(log.append(records(gots), scratch));
    REQUIRE(log.flush());
    std::ofstream(dir.path / Spool::journal_name) << gots[1].line;
  }
  {
    Spool spool(dir.path);
    CHECK(spool.recovered() == 3);
    for (const char* id : {"R1", "R2", "R3"})
      CHECK(read(dir.path / (std::string(id) + ".eml")) == message(id).data);
    CHECK(read(dir.path / Spool::journal_name) ==
          "{\"id\":\"R2\",\"file\":\"R2.eml\"}\n{\"id\":\"R1\",\"file\":\"R1.eml\"}\n"
          "{\"id\":\"R3\",\"file\":\"R3.eml\"}\n");
    CHECK_FALSE(fs::exists(dir.path / ".1-dead-0.spool-log"));
    CHECK(spool.write(message("N1")));
  }
  // A clean stop leaves no log; the next start replays nothing.
  for (const auto& e : fs::directory_iterator(dir.path))
    CHECK_FALSE(e.path().filename().string().ends_with(SpoolLog::suffix));
  Spool again(dir.path);
  CHECK(again.recovered() == 0);
}

TEST_CASE("spool: a full log is checkpointed and the writer goes on in the other", "[store]") {
  Dir dir("bounceback-spool-checkpoint");
  Spool::Options options;
  options.checkpoint_bytes = 4096;  // a checkpoint every few messages
  {
    Spool spool(dir.path, options);
    for (int i = 0; i < 60; ++i) REQUIRE(spool.write(message("C" + std::to_string(i))));
    spool.stop();
    CHECK(spool.stats().messages == 60);
    // The third switch waits for the first log's second checkpoint: both logs were reused.
    CHECK(spool.stats().checkpoints >= 2);
  }
  for (int i = 0; i < 60; ++i)
    CHECK(read(dir.path / ("C" + std::to_string(i) + ".eml")) ==
          message("C" + std::to_string(i)).data);
}
