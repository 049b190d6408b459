// Log lines go to stderr in one write each, so lines from many threads never interleave.
// Client-supplied text is escaped: control bytes never reach the terminal raw.
#include "log/log.hpp"

#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <ctime>
#include <string>

namespace bounceback::log {
namespace {

std::atomic<Level> min_level{Level::info};
std::atomic<Format> format{Format::text};
constexpr std::array<std::string_view, 4> level_names{"debug", "info", "warn", "error"};

void append_escaped(std::string& out, std::string_view s, bool json) {
  static const char hex[] = "0123456789abcdef";
  for (const char ch : s.substr(0, 512)) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f || (json && (c == '"' || c == '\\'))) {
      out += json && c >= 0x20 ? "\\" : json ? "\\u00" : "\\x";
      if (json && c >= 0x20) {
        out += ch;
        continue;
      }
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += ch;
    }
  }
}

std::string timestamp() {
  const auto now = std::chrono::system_clock::now();
  const auto t = std::chrono::system_clock::to_time_t(now);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[40];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms));
  return out;
}

}  // namespace

void configure(Level level, Format f) {
  min_level = level;
  format = f;
}

bool parse_level(std::string_view name, Level& out) {
  for (std::size_t i = 0; i < level_names.size(); ++i) {
    if (level_names[i] == name) {
      out = static_cast<Level>(i);
      return true;
    }
  }
  return false;
}

bool enabled(Level level) {
  return level >= min_level.load(std::memory_order_relaxed);
}

void write(Level level, std::string_view message, std::initializer_list<Field> fields) {
  if (!enabled(level)) return;
  const bool json = format.load(std::memory_order_relaxed) == Format::json;
  const auto name = level_names[static_cast<std::size_t>(level)];
  std::string line;
  if (json) {
    line = "{\"ts\":\"" + timestamp() + "\",\"level\":\"" + std::string(name) + "\",\"msg\":\"";
    append_escaped(line, message, true);
    line += '"';
    for (const auto& [key, value] : fields) {
      line += ",\"";
      line += key;
      line += "\":\"";
      append_escaped(line, value, true);
      line += '"';
    }
    line += "}\n";
  } else {
    line = timestamp() + ' ' + std::string(name) + ' ';
    append_escaped(line, message, false);
    for (const auto& [key, value] : fields) {
      line += ' ';
      line += key;
      line += '=';
      append_escaped(line, value, false);
    }
    line += '\n';
  }
  [[maybe_unused]] auto n = ::write(2, line.data(), line.size());
}

}  // namespace bounceback::log
