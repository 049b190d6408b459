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

}  // namespace

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
  }
  auto re = std::make_shared<const RE2>(source, options);
  if (!re->ok()) {
    error = re->error();
    return Pattern{};
  }
  p.re_ = std::move(re);
  return p;
}

bool Pattern::matches(std::string_view text) const {
  // PartialMatch without captures runs on the DFA: linear time, constant stack.
  return re_ && RE2::PartialMatch(text, *re_);
}

}  // namespace bounceback::scenario
