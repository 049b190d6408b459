// Replays every golden transcript in tests/transcripts/ against a Session with the AcceptAll
// policy and reports each difference as FILE:LINE. The format is in tests/transcripts/README.md.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "harness.hpp"

using namespace bounceback::smtp;
using namespace bounceback::smtp::test;
namespace fs = std::filesystem;

namespace {

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// \r \n \t \\ \xHH, and \{N:text} for text repeated N times. Returns false on a bad escape.
bool unescape(std::string_view in, std::string& out) {
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '\\') {
      out += in[i];
      continue;
    }
    if (++i == in.size()) return false;
    switch (in[i]) {
      case 'r':
        out += '\r';
        break;
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case '\\':
        out += '\\';
        break;
      case 'x': {
        if (i + 2 >= in.size() || hex(in[i + 1]) < 0 || hex(in[i + 2]) < 0) return false;
        out += static_cast<char>(hex(in[i + 1]) * 16 + hex(in[i + 2]));
        i += 2;
        break;
      }
      case '{': {
        const auto colon = in.find(':', i);
        const auto close = in.find('}', i);
        if (colon == std::string_view::npos || close == std::string_view::npos || close < colon)
          return false;
        const auto count = std::stoul(std::string(in.substr(i + 1, colon - i - 1)));
        const auto text = in.substr(colon + 1, close - colon - 1);
        for (unsigned long n = 0; n < count; ++n) out += text;
        i = close;
        break;
      }
      default:
        return false;
    }
  }
  return true;
}

// Runs one transcript; returns the differences, each "file:line: ...", empty when it matches.
std::vector<std::string> replay(const fs::path& file) {
  std::vector<std::string> problems;
  const std::string name = file.filename().string();
  std::ifstream in(file, std::ios::binary);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) {
    if (!l.empty() && l.back() == '\r') l.pop_back();
    lines.push_back(l);
  }
  auto where = [&](std::size_t n) { return name + ":" + std::to_string(n + 1) + ": "; };

  // Settings first: "% key value".
  std::vector<std::pair<std::string, std::string>> settings;
  for (const auto& l : lines) {
    if (!l.starts_with("% ")) continue;
    std::istringstream s(l.substr(2));
    std::string key, value;
    s >> key;
    std::getline(s >> std::ws, value);  // the rest of the line (extensions take a list)
    settings.emplace_back(key, value);
  }
  auto tweak = [&](SessionConfig& c) {
    for (const auto& [key, value] : settings) {
      if (key == "tls_available")
        c.tls_available = true;
      else if (key == "lmtp")
        continue;  // the listener's, below
      else if (key == "bare_lf")
        c.bare_lf = value == "reject"       ? BareLfPolicy::reject
                    : value == "disconnect" ? BareLfPolicy::disconnect
                    : value == "keep"       ? BareLfPolicy::keep
                                            : BareLfPolicy::normalize;
      else if (key == "forbid_improper_pipelining")
        c.forbid_improper_pipelining = true;
      else if (key == "message_size")
        c.limits.message_size = std::stoull(value);
      else if (key == "recipients")
        c.limits.recipients = std::stoul(value);
      else if (key == "hard_errors")
        c.limits.hard_errors = static_cast<unsigned>(std::stoul(value));
      else if (key == "extensions") {
        c.extensions.clear();
        std::istringstream words(value);
        for (std::string w; words >> w;) {
          if (const auto e = find_extension(w))
            c.extensions.push_back(*e);
          else
            problems.push_back(name + ": unknown extension " + w);
        }
      } else
        problems.push_back(name + ": unknown setting " + key);
    }
  };
  AcceptAll accept_all;
  const bool lmtp = std::any_of(settings.begin(), settings.end(),
                                [](const auto& kv) { return kv.first == "lmtp"; });
  Harness h(tweak, {}, &accept_all, lmtp);

  std::vector<std::string> replies;  // server lines not yet matched
  std::size_t next = 0;
  std::string batch;
  std::string conversation;  // what really happened, for the failure message
  auto take = [&](const std::string& wire, std::size_t at) {
    if (!wire.empty() && !wire.ends_with("\r\n"))
      problems.push_back(where(at) + "server output does not end with CRLF");
    std::size_t from = 0;
    for (auto crlf = wire.find("\r\n"); crlf != std::string::npos; crlf = wire.find("\r\n", from)) {
      replies.push_back(wire.substr(from, crlf - from));
      conversation += "S: " + replies.back() + "\n";
      from = crlf + 2;
    }
  };
  auto flush = [&](std::size_t at) {
    if (batch.empty()) return;
    if (next < replies.size())
      problems.push_back(where(at) + "unexpected server line before sending: \"" + replies[next] +
                         "\"");
    next = replies.size();
    take(h.send(batch), at);
    batch.clear();
  };
  take(h.start(), 0);

  for (std::size_t n = 0; n < lines.size(); ++n) {
    const auto& l = lines[n];
    if (l.empty() || l.starts_with("#") || l.starts_with("% ")) continue;
    if (l.starts_with("C: ") || l.starts_with("R: ") || l == "C:") {
      std::string bytes;
      if (!unescape(l.size() > 3 ? std::string_view(l).substr(3) : std::string_view{}, bytes))
        problems.push_back(where(n) + "bad escape");
      if (l[0] == 'C') bytes += "\r\n";
      batch += bytes;
      conversation += l.substr(0, 80) + (l.size() > 80 ? "…" : "") + "\n";
    } else if (l.starts_with("S: ") || l == "S:") {
      flush(n);
      const std::string expected = l.size() > 3 ? l.substr(3) : std::string{};
      if (next >= replies.size())
        problems.push_back(where(n) + "expected \"" + expected + "\", server sent nothing");
      else if (replies[next] != expected)
        problems.push_back(where(n) + "expected \"" + expected + "\", got \"" + replies[next] +
                           "\"");
      ++next;
    } else if (l == "! tls") {
      flush(n);
      if (!h.tls_pending)
        problems.push_back(where(n) + "the server did not start TLS");
      else
        h.tls_started();
      conversation += "! tls\n";
    } else if (l == "! closed") {
      flush(n);
      if (!h.session->closed()) problems.push_back(where(n) + "the session is still open");
    } else if (l == "! open") {
      flush(n);
      if (h.session->closed()) problems.push_back(where(n) + "the session was closed");
    } else {
      problems.push_back(where(n) + "unknown line: " + l);
    }
  }
  flush(lines.size());
  for (; next < replies.size(); ++next)
    problems.push_back(name + ": unexpected server line at the end: \"" + replies[next] + "\"");
  if (!problems.empty()) problems.push_back("what happened:\n" + conversation);
  return problems;
}

}  // namespace

TEST_CASE("golden transcripts", "[smtp][transcript]") {
  const fs::path dir = fs::path(BOUNCEBACK_SOURCE_DIR) / "tests" / "transcripts";
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".txt") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 10);
  for (const auto& f : files) {
    DYNAMIC_SECTION(f.filename().string()) {
      const auto problems = replay(f);
      for (const auto& p : problems) FAIL_CHECK(p);
    }
  }
}

TEST_CASE("transcript escapes", "[smtp][transcript]") {
  std::string out;
  REQUIRE(unescape("a\\r\\nb\\\\\\x41\\{3:ab}.", out));
  CHECK(out == "a\r\nb\\Aababab.");
  std::string bad;
  CHECK_FALSE(unescape("\\q", bad));
  CHECK_FALSE(unescape("\\x4", bad));
  CHECK_FALSE(unescape("tail\\", bad));
}
