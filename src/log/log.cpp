// Log lines go to stderr in one write each, so lines from many threads never interleave.
// Client-supplied text is escaped and bounded: control bytes never reach the terminal raw,
// and every line is valid logfmt or valid JSON (invalid UTF-8 becomes U+FFFD).
#include "log/log.hpp"

#include <unistd.h>

#include <algorithm>
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

constexpr std::size_t max_value = 512;  // bytes of one value (client text is bounded)
constexpr std::size_t max_list = 100;   // entries of one list value

// The length of the valid UTF-8 sequence at the start of `s`, or 0 when it is not one.
std::size_t utf8_length(std::string_view s) {
  const auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char c = b(0);
  std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (n == 0 || n > s.size()) return 0;
  for (std::size_t i = 1; i < n; ++i)
    if ((b(i) & 0xc0) != 0x80) return 0;
  if (n == 2 && c < 0xc2) return 0;                   // overlong
  if (n == 3 && c == 0xe0 && b(1) < 0xa0) return 0;   // overlong
  if (n == 3 && c == 0xed && b(1) >= 0xa0) return 0;  // surrogate
  if (n == 4 && (c > 0xf4 || (c == 0xf0 && b(1) < 0x90) || (c == 0xf4 && b(1) >= 0x90))) return 0;
  return n;
}

// A JSON string's or a quoted logfmt value's content: quotes, backslashes and control bytes
// escaped, invalid UTF-8 replaced by U+FFFD, at most max_value bytes of input.
void append_quoted_content(std::string& out, std::string_view s) {
  static const char hex[] = "0123456789abcdef";
  s = s.substr(0, max_value);
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t n = utf8_length(s.substr(i));
    if (n == 0) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    if (n > 1) {
      out.append(s.substr(i, n));
    } else if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      out += "\\u00";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
    i += n;
  }
}

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  append_quoted_content(out, s);
  out += '"';
}

// logfmt: bare when the value has no space, '=', quote, backslash, control or non-ASCII
// byte (and is not empty), else quoted and escaped.
void append_logfmt_value(std::string& out, std::string_view s) {
  const bool bare =
      !s.empty() && s.size() <= max_value && std::all_of(s.begin(), s.end(), [](char ch) {
        const auto c = static_cast<unsigned char>(ch);
        return c > 0x20 && c < 0x7f && c != '=' && c != '"' && c != '\\';
      });
  if (bare) {
    out += s;
    return;
  }
  out += '"';
  append_quoted_content(out, s);
  out += '"';
}

void append_json_value(std::string& out, const Value& v) {
  switch (v.kind()) {
    case Value::Kind::number:
    case Value::Kind::boolean:
      out += v.text();
      return;
    case Value::Kind::text:
      append_json_string(out, v.text());
      return;
    case Value::Kind::list: {
      out += '[';
      const auto list = v.list().first(std::min(v.list().size(), max_list));
      for (std::size_t i = 0; i < list.size(); ++i) {
        if (i) out += ',';
        append_json_string(out, list[i]);
      }
      out += ']';
      return;
    }
  }
}

void append_text_value(std::string& out, const Value& v) {
  if (v.kind() != Value::Kind::list) {
    append_logfmt_value(out, v.text());
    return;
  }
  std::string joined;  // a list is one value, its entries separated by commas
  const auto list = v.list().first(std::min(v.list().size(), max_list));
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (i) joined += ',';
    joined += list[i].substr(0, max_value);
  }
  append_logfmt_value(out, joined);
}

// "2024-05-01T12:34:56.789Z". The part up to the seconds is formatted once a second per
// thread: at one line per message, gmtime and strftime were a fifth of a line's cost.
std::string timestamp() {
  thread_local std::time_t cached_second = -1;
  thread_local char cached[24];  // "2024-05-01T12:34:56"
  const auto now = std::chrono::system_clock::now();
  const auto t = std::chrono::system_clock::to_time_t(now);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  if (t != cached_second) {
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::strftime(cached, sizeof cached, "%Y-%m-%dT%H:%M:%S", &tm);
    cached_second = t;
  }
  std::string out(cached);
  out += '.';
  out += static_cast<char>('0' + ms / 100);
  out += static_cast<char>('0' + ms / 10 % 10);
  out += static_cast<char>('0' + ms % 10);
  out += 'Z';
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

std::string format_line(Format format, std::string_view ts, Level level, std::string_view message,
                        std::initializer_list<Field> fields) {
  const auto name = level_names[static_cast<std::size_t>(level)];
  std::string line;
  line.reserve(256);
  if (format == Format::json) {
    line.append("{\"ts\":\"").append(ts).append("\",\"level\":\"").append(name);
    line += "\",\"msg\":";
    append_json_string(line, message);
    for (const auto& [key, value] : fields) {
      line.append(",\"").append(key).append("\":");
      append_json_value(line, value);
    }
    line += "}\n";
  } else {
    line.append("ts=").append(ts).append(" level=").append(name).append(" msg=");
    append_logfmt_value(line, message);
    for (const auto& [key, value] : fields) {
      line.append(" ").append(key).append("=");
      append_text_value(line, value);
    }
    line += '\n';
  }
  return line;
}

void write(Level level, std::string_view message, std::initializer_list<Field> fields) {
  if (!enabled(level)) return;
  const std::string line =
      format_line(format.load(std::memory_order_relaxed), timestamp(), level, message, fields);
  [[maybe_unused]] auto n = ::write(2, line.data(), line.size());
}

std::string what(std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    return ex.what();
  } catch (...) {
    return "unknown exception";
  }
}

}  // namespace bounceback::log
