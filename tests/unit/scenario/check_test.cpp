// `bounceback check`: exit status and FILE:LINE:COL lines for every bad file.
#include "scenario/check.hpp"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>

using bounceback::scenario::check_files;

namespace {
std::string temp_file(const std::string& name, const std::string& text) {
  const std::string path = "/tmp/bounceback-check-" + std::to_string(::getpid()) + "-" + name;
  std::ofstream(path) << text;
  return path;
}
}  // namespace

TEST_CASE("check_files", "[scenario][check]") {
  const std::string good = BOUNCEBACK_SOURCE_DIR "/scenarios/greylisting.toml";
  const auto bad = temp_file("bad.toml", "[[rule]]\non = \"rcpt\"\nattempts = \"x\"\n");
  const auto worse = temp_file("worse.toml", "name = \n");
  std::ostringstream out;
  const std::vector<std::string> ok_files{good};
  CHECK(check_files(ok_files, out) == 0);
  CHECK(out.str().empty());

  const std::vector<std::string> invalid{good, bad, worse};
  CHECK(check_files(invalid, out) == 1);
  // An unreadable file is not the scenario's fault: exit 2, and the message says why.
  const std::vector<std::string> files{good, bad, worse, "/nonexistent.toml", "/tmp"};
  CHECK(check_files(files, out) == 2);
  const std::string text = out.str();
  INFO(text);
  CHECK_THAT(text, Catch::Contains(bad + ":3:12: rule[0].attempts: expected a count or range"));
  CHECK_THAT(text, Catch::Contains(worse + ":1:"));
  CHECK_THAT(text,
             Catch::Contains("\n/nonexistent.toml: cannot open: No such file or directory\n"));
  CHECK_THAT(text, Catch::Contains("\n/tmp: cannot read: Is a directory\n"));
  CHECK(std::count(text.begin(), text.end(), '\n') == 6);
  std::remove(bad.c_str());
  std::remove(worse.c_str());
}
