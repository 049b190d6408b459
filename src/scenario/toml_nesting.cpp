// The nesting pre-scan: a small TOML tokenizer that tracks only what makes toml++ build
// deeper trees: key parts, table headers, and the stack of open arrays and inline tables.
#include "scenario/toml_nesting.hpp"

#include <vector>

namespace bounceback::scenario {
namespace {

bool is_bare_key_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

class NestingScan {
 public:
  NestingScan(std::string_view text, const NestingLimits& limits) : t_(text), limits_(limits) {}

  std::optional<NestingError> run() {
    while (!error_ && i_ < t_.size()) step();
    return error_;
  }

 private:
  enum class Container { array, inline_table };
  struct Open {
    Container kind;
    std::size_t level;  // the container's own level in the tree (the root table is 0)
  };

  std::string_view t_;
  NestingLimits limits_;
  std::size_t i_ = 0;
  std::uint32_t line_ = 1, column_ = 1;
  std::optional<NestingError> error_;
  std::vector<Open> open_;
  std::size_t table_level_ = 0;  // level of the table the last [header] opened
  std::size_t value_level_ = 0;  // level a value starting here would have
  bool expect_key_ = true;       // at a top-level line start, or after `{` or `,` in `{...}`

  char peek(std::size_t k = 0) const { return i_ + k < t_.size() ? t_[i_ + k] : '\0'; }

  void advance() {
    const char c = t_[i_++];
    if (c == '\n') {
      ++line_;
      column_ = 1;
    } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
      ++column_;  // continuation bytes of UTF-8 belong to the code point already counted
    }
  }

  void fail(std::uint32_t line, std::uint32_t column, std::string message) {
    if (!error_) error_ = NestingError{line, column, std::move(message)};
  }

  void skip_blanks() {
    while (peek() == ' ' || peek() == '\t') advance();
  }

  void skip_comment() {
    while (i_ < t_.size() && peek() != '\n') advance();
  }

  // Any of the four string forms; a single-line one also ends at a newline (toml++ stops
  // there with an error, so nothing after it is built).
  void skip_string() {
    const char q = peek();
    if (peek(1) == q && peek(2) == q) {  // """ or '''
      advance(), advance(), advance();
      while (i_ < t_.size()) {
        if (q == '"' && peek() == '\\') {
          advance();
          if (i_ < t_.size()) advance();
        } else if (peek() == q && peek(1) == q && peek(2) == q) {
          // Up to two more quotes belong to the content: """"" ends after the fifth.
          for (int n = 0; n < 5 && peek() == q; ++n) advance();
          return;
        } else {
          advance();
        }
      }
      return;
    }
    advance();
    while (i_ < t_.size() && peek() != '\n') {
      if (q == '"' && peek() == '\\') {
        advance();
        if (i_ < t_.size() && peek() != '\n') advance();
      } else if (peek() == q) {
        advance();
        return;
      } else {
        advance();
      }
    }
  }

  // A dotted key starting here; returns its number of parts (0 when no key starts here) and
  // stops at the first part beyond the limit.
  std::size_t key() {
    std::size_t parts = 0;
    for (;;) {
      skip_blanks();
      const std::uint32_t line = line_, column = column_;
      if (peek() == '"' || peek() == '\'') {
        skip_string();
      } else if (is_bare_key_char(peek())) {
        while (is_bare_key_char(peek())) advance();
      } else {
        return parts;
      }
      if (++parts > limits_.key_parts) {
        fail(line, column,
             "key has more than " + std::to_string(limits_.key_parts) +
                 " dotted parts (the limit on nesting)");
        return parts;
      }
      skip_blanks();
      if (peek() != '.') return parts;
      advance();
    }
  }

  void check_level(std::size_t level, std::uint32_t line, std::uint32_t column) {
    if (level > limits_.total_depth)
      fail(line, column,
           "nested more than " + std::to_string(limits_.total_depth) +
               " levels deep (table header, dotted keys, arrays and inline tables together)");
  }

  void header() {
    advance();  // [
    const bool array_of_tables = peek() == '[';
    if (array_of_tables) advance();
    const std::uint32_t line = line_, column = column_;
    const std::size_t parts = key();
    table_level_ = parts + (array_of_tables ? 1 : 0);
    check_level(table_level_, line, column);
    expect_key_ = false;  // the rest of the line is `]`, a comment or an error
  }

  // A key followed by `=` at top level (in the current table) or inside `{...}`.
  void key_value(std::size_t base_level) {
    const std::uint32_t line = line_, column = column_;
    const std::size_t parts = key();
    if (parts == 0) {  // not a key (a BOM, or an error toml++ reports): stay ready for one
      if (!error_) advance();
      return;
    }
    value_level_ = base_level + parts;
    check_level(value_level_, line, column);
    skip_blanks();
    if (peek() == '=') advance();
    expect_key_ = false;
  }

  void open(Container kind) {
    const std::uint32_t line = line_, column = column_;
    advance();
    open_.push_back({kind, value_level_});
    if (open_.size() > limits_.value_depth) {
      fail(line, column,
           "arrays and inline tables nested more than " + std::to_string(limits_.value_depth) +
               " deep");
      return;
    }
    if (kind == Container::array) {
      value_level_ = open_.back().level + 1;
      check_level(value_level_, line, column);
    }
    expect_key_ = kind == Container::inline_table;
  }

  void close(Container kind) {
    advance();
    if (open_.empty() || open_.back().kind != kind) return;  // a stray bracket: toml++'s error
    value_level_ = open_.back().level;  // the next sibling sits where this one did
    open_.pop_back();
    expect_key_ = false;
  }

  void step() {
    skip_blanks();
    if (i_ >= t_.size()) return;
    const char c = peek();
    if (c == '#') return skip_comment();
    if (c == '\n') {
      advance();
      if (open_.empty()) expect_key_ = true;
      return;
    }
    if (open_.empty() && expect_key_) {
      if (c == '[') return header();
      return key_value(table_level_);
    }
    const bool in_inline_table = !open_.empty() && open_.back().kind == Container::inline_table;
    if (in_inline_table && expect_key_ && c != '}' && c != ',')
      return key_value(open_.back().level);
    switch (c) {
      case '[':
        return open(Container::array);
      case '{':
        return open(Container::inline_table);
      case ']':
        return close(Container::array);
      case '}':
        return close(Container::inline_table);
      case '"':
      case '\'':
        return skip_string();
      case ',':
        advance();
        if (in_inline_table) expect_key_ = true;
        return;
      default:
        advance();  // part of a number, date, boolean, or something toml++ refuses
    }
  }
};

}  // namespace

std::optional<NestingError> find_excess_nesting(std::string_view text,
                                                const NestingLimits& limits) {
  return NestingScan(text, limits).run();
}

}  // namespace bounceback::scenario
