// The option table against the documentation: docs/settings.md holds the table as --help and
// the code render it, and every default that docs/security.md and docs/running.md quote for
// an option is the one in the code. Plus the table's parsing: each default reads back, a
// config file sets the same fields as flags, an unknown key names itself, and every field of
// the layers' settings has a row.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "../doc_tables.hpp"
#include "app/options.hpp"

using namespace bounceback;

namespace {

using test::read_source;

// The cells of a Markdown table row ("| a | b \| c |" -> {"a", "b | c"}), trimmed.
std::vector<std::string> cells(const std::string& row) {
  std::vector<std::string> out;
  std::string cell;
  for (std::size_t i = 1; i < row.size(); ++i) {
    if (row[i] == '\\' && i + 1 < row.size() && row[i + 1] == '|') {
      cell += '|';
      ++i;
    } else if (row[i] == '|') {
      const auto first = cell.find_first_not_of(' '), last = cell.find_last_not_of(' ');
      out.push_back(first == std::string::npos ? "" : cell.substr(first, last - first + 1));
      cell.clear();
    } else {
      cell += row[i];
    }
  }
  return out;
}

std::string without_backticks(std::string s) {
  std::erase(s, '`');
  return s;
}

const app::OptionDoc* find_doc(const std::vector<app::OptionDoc>& docs, std::string_view name) {
  for (const auto& d : docs)
    if (d.name == name) return &d;
  return nullptr;
}

// The option names a cell mentions: "`--max-line`, `--max-auth-line`" -> both.
std::vector<std::string> flags_in(const std::string& cell) {
  std::vector<std::string> out;
  for (std::size_t at = cell.find("`--"); at != std::string::npos; at = cell.find("`--", at + 1)) {
    std::size_t end = at + 3;
    while (end < cell.size() &&
           (std::isalnum(static_cast<unsigned char>(cell[end])) || cell[end] == '-'))
      ++end;
    out.push_back(cell.substr(at + 3, end - at - 3));
  }
  return out;
}

std::string write_temp(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / name;
  std::ofstream(path, std::ios::binary) << text;
  return path.string();
}

}  // namespace

TEST_CASE("docs/settings.md holds the option table as the code renders it", "[app][settings]") {
  const std::string expected = app::settings_markdown();
  const bool same = test::generated_part(read_source("docs/settings.md"), "settings") == expected;
  if (!same) {
    // The table to paste between the markers, written where the test runs.
    const auto path = std::filesystem::absolute("settings-table.md");
    std::ofstream(path, std::ios::binary) << expected;
    FAIL_CHECK("docs/settings.md differs from the option table; the table is in " << path);
  }
}

TEST_CASE("defaults quoted in security.md and running.md are the code's", "[app][settings]") {
  const auto docs = app::option_docs();
  // security.md's bounds: | What | Option | Default | Beyond it |
  // running.md's options:  | `--name ARG` | default | meaning |
  for (const auto& [file, option_column, default_column] :
       {std::tuple{"docs/security.md", 1, 2}, std::tuple{"docs/running.md", 0, 1}}) {
    std::istringstream lines(read_source(file));
    std::string line;
    int checked = 0;
    while (std::getline(lines, line)) {
      if (!line.starts_with("|")) continue;
      const auto row = cells(line);
      if (row.size() <= static_cast<std::size_t>(default_column)) continue;
      const auto flags = flags_in(row[option_column]);
      if (flags.empty() || !row[option_column].starts_with("`--")) continue;
      CAPTURE(file, line);
      const auto* doc = find_doc(docs, flags.front());
      REQUIRE(doc);  // the option exists
      ++checked;
      if (doc->default_text.empty()) continue;  // described in words ("self-signed")
      CHECK(without_backticks(row[default_column]).starts_with(doc->default_text));
    }
    CAPTURE(file);
    CHECK(checked >= 10);
  }
}

TEST_CASE("every option reads back its own default", "[app][settings]") {
  for (const auto& doc : app::option_docs()) {
    if (doc.default_text.empty()) continue;
    CAPTURE(doc.name, doc.default_text);
    CHECK_NOTHROW(app::parse_serve_options({"--" + std::string(doc.name), doc.default_text}));
  }
  const app::Settings defaults;
  const auto parsed = app::parse_serve_options({});
  CHECK(parsed.listen.smtp == std::vector<std::string>{"127.0.0.1:1025"});
  CHECK(parsed.net.idle_timeout == defaults.net.idle_timeout);
  CHECK(parsed.smtp.limits.command_line == 512);
}

TEST_CASE("a flag and a config key set the same field of the settings tree", "[app][settings]") {
  const auto from_flags = app::parse_serve_options(
      {"--max-line", "1000", "--idle-timeout=90s", "--api-max-body", "64KiB", "--max-commands",
       "50", "--max-transcript-line", "200", "--quota-expire", "2h", "--smtp", "127.0.0.1:0"});
  const auto path = write_temp("bounceback-settings-test.toml",
                               "max-line = 1000\nidle-timeout = \"90s\"\napi-max-body = \"64KiB\"\n"
                               "max-commands = 50\nmax-transcript-line = \"200\"\n"
                               "quota-expire = \"2h\"\nsmtp = [\"127.0.0.1:0\"]\n");
  const auto from_file = app::parse_serve_options({"--config", path});
  for (const auto* s : {&from_flags, &from_file}) {
    CHECK(s->smtp.limits.command_line == 1000);
    CHECK(s->net.idle_timeout == std::chrono::seconds(90));
    CHECK(s->api.http.body_bytes == 64 * 1024);
    CHECK(s->smtp.limits.commands_per_session == 50);
    CHECK(s->store.sessions.line_bytes == 200);
    CHECK(s->engine.quota_expire == std::chrono::hours(2));
    CHECK(s->listen.smtp == std::vector<std::string>{"127.0.0.1:0"});
    CHECK(s->smtp.limits.recipients == 100);  // untouched: its default
  }
  // Flags after --config override the file.
  CHECK(
      app::parse_serve_options({"--config", path, "--max-line", "700"}).smtp.limits.command_line ==
      700);
  std::filesystem::remove(path);
}

TEST_CASE("bad settings are usage errors naming the option", "[app][settings]") {
  const auto path = write_temp("bounceback-settings-bad.toml", "max-line = 600\nmax-lines = 2\n");
  CHECK_THROWS_WITH(app::parse_serve_options({"--config", path}),
                    Catch::Contains(":2:13: max-lines: unknown option"));
  std::filesystem::remove(path);
  CHECK_THROWS_WITH(app::parse_serve_options({"--max-commands", "many"}),
                    Catch::Contains("--max-commands: expected a number"));
  CHECK_THROWS_WITH(app::parse_serve_options({"--api-idle-timeout", "soon"}),
                    Catch::Contains("--api-idle-timeout: expected a duration"));
  CHECK_THROWS_WITH(app::parse_serve_options({"--bare-lf", "drop"}),
                    Catch::Contains("--bare-lf: expected normalize, keep, reject or disconnect"));
  // The read buffer must hold the longest line a session keeps unconsumed.
  CHECK_THROWS_WITH(app::parse_serve_options({"--read-buffer", "4KiB"}),
                    Catch::Contains("--read-buffer"));
  CHECK_NOTHROW(app::parse_serve_options({"--read-buffer", "64KiB", "--max-auth-line", "20000"}));
  CHECK_THROWS_WITH(app::parse_serve_options({"--read-buffer", "1GiB"}),
                    Catch::Contains("--read-buffer: at most 64MiB"));
  CHECK_THROWS_WITH(app::parse_serve_options({"--store-threads", "0"}),
                    Catch::Contains("--store-threads: from 1 to 1024"));
}

// A field added to a layer's settings needs a row, or it could only be changed by editing
// the code: every field declared in the settings headers is the target of an AT(...) row in
// options.cpp, but for the groups that hold rows' fields and the few left fixed on purpose.
TEST_CASE("every field of the settings tree has an option row", "[app][settings]") {
  const std::string rows = read_source("src/app/options.cpp");
  const std::set<std::string> not_options = {
      "limits",       "sessions_page", "messages_page", "attempts_page",
      "scan",         "http",          "routes",        "guard",
      "default_wait",  // the long-poll's ?timeout= when none is given: API design, not a bound
  };
  const std::regex field(R"(^  [A-Za-z0-9_:<>, ]+?[ >](\w+)(?: = [^;]*|\{[^;]*\})?;)");
  int seen = 0;
  // Each header's fields sit under its part of app::Settings: net's `threads` is not store's.
  const std::pair<const char*, const char*> parts[] = {
      {"src/smtp/limits.hpp", "smtp\\.limits\\."}, {"src/smtp/settings.hpp", "smtp\\."},
      {"src/net/settings.hpp", "net\\."},          {"src/store/settings.hpp", "store\\."},
      {"src/api/settings.hpp", "api\\."},          {"src/scenario/settings.hpp", "engine\\."}};
  for (const auto& [header, prefix] : parts) {
    std::istringstream lines(read_source(header));
    std::string line;
    while (std::getline(lines, line)) {
      std::smatch m;
      if (!std::regex_search(line, m, field)) continue;
      const std::string name = m[1];
      ++seen;
      if (not_options.count(name)) continue;
      CAPTURE(header, line, name);
      CHECK(std::regex_search(
          rows, std::regex("AT\\(" + std::string(prefix) + "[\\w.]*\\b" + name + "\\)")));
    }
  }
  CHECK(seen >= 40);  // the pattern still finds the fields
}
