// One-line structured logs, as text or JSON (--log-format), filtered by level (--log-level).
#pragma once

#include <initializer_list>
#include <string_view>
#include <utility>

namespace bounceback::log {

enum class Level : unsigned char { debug, info, warn, error };
enum class Format : unsigned char { text, json };

void configure(Level level, Format format);
bool parse_level(std::string_view name, Level& out);
bool enabled(Level level);

using Field = std::pair<std::string_view, std::string_view>;
void write(Level level, std::string_view message, std::initializer_list<Field> fields = {});

inline void debug(std::string_view m, std::initializer_list<Field> f = {}) {
  write(Level::debug, m, f);
}
inline void info(std::string_view m, std::initializer_list<Field> f = {}) {
  write(Level::info, m, f);
}
inline void warn(std::string_view m, std::initializer_list<Field> f = {}) {
  write(Level::warn, m, f);
}
inline void error(std::string_view m, std::initializer_list<Field> f = {}) {
  write(Level::error, m, f);
}

}  // namespace bounceback::log
