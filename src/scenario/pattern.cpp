// Globs and regexes, both compiled to RE2 (a DFA/NFA engine without backtracking).
#include "scenario/pattern.hpp"

#include <re2/re2.h>

namespace bounceback::scenario {
namespace {

constexpr std::string_view regex_prefix = "re:";
constexpr std::int64_t max_program_memory = 8 << 20;  // bounds a scenario's regex size

// "*" -> ".*", "?" -> ".", the rest quoted; anchored by RE2::FullMatch semantics.
std::string glob_to_regex(std::string_view glob) {
  std::string out;
  out.reserve(glob.size() * 2);
  for (char c : glob) {
    if (c == '*')
      out += ".*";
    else if (c == '?')
      out += '.';
    else
      out += RE2::QuoteMeta(std::string_view(&c, 1));
  }
  return out;
}

bool ascii(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// Compares `text` with a lower-case ASCII literal of the same size, ASCII case-insensitively.
// A non-ASCII byte in `text` gives ask_re2: RE2 folds some of them onto ASCII letters
// (U+017F onto s, U+212A onto k), which the bytes here cannot tell.
enum class Cmp { equal, differ, unknown };
Cmp compare(std::string_view text, std::string_view literal) {
  Cmp result = Cmp::equal;
  for (std::size_t i = 0; i < literal.size(); ++i) {
    if (static_cast<unsigned char>(text[i]) >= 0x80) return Cmp::unknown;
    if (lower(text[i]) != literal[i]) result = Cmp::differ;
  }
  return result;
}

}  // namespace

// Why this agrees with RE2 (case-insensitive, UTF-8, anchored): every literal character and
// every ? matches at least one byte, so a shorter text cannot match. The pattern's ASCII
// literal prefix must match the text's first bytes: if those bytes are ASCII, a match could
// not have used a multi-byte character there (it would push a non-ASCII byte into them), so
// ASCII case folding decides exactly; likewise the suffix at the end. "prefix*suffix" with
// an all-ASCII text is decided here entirely (* matches anything, newlines included).
Pattern::Quick Pattern::quick(std::string_view text) const {
  if (text.size() < min_size_) return Quick::no;
  const Cmp head = compare(text.substr(0, prefix_.size()), prefix_);
  if (head == Cmp::differ) return Quick::no;
  const Cmp tail = compare(text.substr(text.size() - suffix_.size()), suffix_);
  if (tail == Cmp::differ) return Quick::no;
  if (prefix_star_suffix_ && head == Cmp::equal && tail == Cmp::equal && ascii(text))
    return Quick::yes;
  return Quick::ask_re2;
}

Pattern Pattern::compile(std::string_view spec, std::string& error) {
  Pattern p;
  p.spec_ = std::string(spec);
  RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(max_program_memory);
  options.set_dot_nl(true);  // a glob's * spans lines in a body
  std::string source;
  if (spec.substr(0, regex_prefix.size()) == regex_prefix) {
    source = std::string(spec.substr(regex_prefix.size()));
  } else {
    options.set_case_sensitive(false);
    options.set_longest_match(true);  // leftmost-longest: cheaper, same yes/no answer
    source = "^(?:" + glob_to_regex(spec) + ")$";
    p.glob_ = true;
    const auto first = spec.find_first_of("*?"), last = spec.find_last_of("*?");
    std::string_view head = spec.substr(0, first), tail;
    if (first != std::string_view::npos) tail = spec.substr(last + 1);
    // Only the ASCII ends of the literals are checked (RE2 folds non-ASCII letters itself).
    std::size_t h = 0;
    while (h < head.size() && static_cast<unsigned char>(head[h]) < 0x80) ++h;
    std::size_t t = tail.size();
    while (t > 0 && static_cast<unsigned char>(tail[t - 1]) < 0x80) --t;
    for (char c : head.substr(0, h)) p.prefix_ += lower(c);
    for (char c : tail.substr(t)) p.suffix_ += lower(c);
    // Characters, not bytes: a non-ASCII letter may match a shorter one (U+212A matches k).
    for (char c : spec)
      if (c != '*' && (static_cast<unsigned char>(c) & 0xC0) != 0x80) ++p.min_size_;
    p.prefix_star_suffix_ = first != std::string_view::npos && first == last &&
                            spec[first] == '*' && h == head.size() && t == 0;
  }
  auto re = std::make_shared<const RE2>(source, options);
  if (!re->ok()) {
    error = re->error();
    return Pattern{};
  }
  p.re_ = std::move(re);
  return p;
}

std::optional<std::string> Pattern::literal_domain() const {
  const auto at = spec_.rfind('@');
  if (!glob_ || at == std::string::npos) return std::nullopt;
  std::string domain;
  for (const char c : std::string_view(spec_).substr(at + 1)) {
    if (c == '*' || c == '?' || static_cast<unsigned char>(c) >= 0x80) return std::nullopt;
    domain += lower(c);
  }
  return domain;
}

bool Pattern::matches(std::string_view text) const {
  if (!re_) return false;
  if (glob_) {
    const Quick q = quick(text);
    if (q != Quick::ask_re2) return q == Quick::yes;
  }
  // PartialMatch without captures runs on the DFA: linear time, constant stack.
  return RE2::PartialMatch(text, *re_);
}

}  // namespace bounceback::scenario
