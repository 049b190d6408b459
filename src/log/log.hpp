// One-line structured logs, as logfmt text or JSON (--log-format), filtered by level
// (--log-level). Field values keep their type: JSON writes numbers, booleans and lists as
// such; logfmt writes key=value pairs, quoting a value when it needs it.
#pragma once

#include <array>
#include <charconv>
#include <concepts>
#include <exception>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace bounceback::log {

enum class Level : unsigned char { debug, info, warn, error };
enum class Format : unsigned char { text, json };

void configure(Level level, Format format);
bool parse_level(std::string_view name, Level& out);
bool enabled(Level level);

// A field's value: text, an integer, a boolean or a list of texts. It only refers to its
// argument, which outlives the log call (a temporary lives to the end of the statement).
class Value {
 public:
  enum class Kind : unsigned char { text, number, boolean, list };

  Value(std::string_view text) : kind_(Kind::text), text_(text) {}
  Value(const std::string& text) : Value(std::string_view(text)) {}
  Value(const char* text) : Value(std::string_view(text)) {}
  Value(bool b) : kind_(Kind::boolean), text_(b ? "true" : "false") {}
  template <std::integral T>
  requires(!std::same_as<T, bool> && !std::same_as<T, char>) Value(T n) : kind_(Kind::number) {
    const auto end = std::to_chars(digits_.data(), digits_.data() + digits_.size(), n).ptr;
    text_ = std::string_view(digits_.data(), static_cast<std::size_t>(end - digits_.data()));
  }
  Value(std::span<const std::string> list) : kind_(Kind::list), list_(list) {}
  Value(const std::vector<std::string>& list) : Value(std::span<const std::string>(list)) {}

  Kind kind() const { return kind_; }
  std::string_view text() const { return text_; }  // text, number or boolean
  std::span<const std::string> list() const { return list_; }

  Value(const Value& other) : kind_(other.kind_), text_(other.text_), list_(other.list_) {
    if (kind_ == Kind::number) {  // text_ points into the copied digits
      digits_ = other.digits_;
      text_ = std::string_view(digits_.data(), other.text_.size());
    }
  }
  Value& operator=(const Value&) = delete;

 private:
  Kind kind_;
  std::string_view text_;
  std::span<const std::string> list_;
  std::array<char, 24> digits_{};
};

struct Field {
  std::string_view key;
  Value value;
};

void write(Level level, std::string_view message, std::initializer_list<Field> fields = {});

// The line write() would print (without the timestamp's variability: `ts` is given).
std::string format_line(Format format, std::string_view ts, Level level, std::string_view message,
                        std::initializer_list<Field> fields);

// What an exception that escaped a coroutine says, for an "error" field: its what(), or
// "unknown exception" for one not derived from std::exception.
std::string what(std::exception_ptr e);

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
