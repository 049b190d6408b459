// The `re:` body patterns of a scenario, searched together. Alone, each one scans the whole
// body (RE2's DFA, ~1.5 ns a byte: 1.6 us per regex on a 1 KiB body, ~3 us of the ~3.6 us a
// message event cost with the benchmark's two body regexes); RE2::Set finds which of them
// occur in one pass. Globs stay alone: their literal pre-check usually answers without RE2.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scenario/rule.hpp"

namespace bounceback::scenario {

class BodyRegexes {
 public:
  BodyRegexes() = default;
  // Takes the rules' `re:` body patterns when there are two or more (one pass is one pass).
  explicit BodyRegexes(const std::vector<Rule>& rules);
  bool in_use() const { return impl_ != nullptr; }  // else every body pattern matches alone

  // The text of one event's message (message_text.hpp) and the set's answer for it, both
  // computed at the first rule that asks, so a message no body rule looks at is never scanned.
  class Search {
   public:
    Search(const BodyRegexes& regexes, std::string_view message)
        : regexes_(regexes), message_(message) {}
    // Whether `rule.body` (set) matches the body: the same answer as rule.body->matches().
    bool matches(const Rule& rule);

   private:
    const BodyRegexes& regexes_;
    std::string_view message_;
    std::optional<std::string_view> body_;  // message_text(): a view, or into text_
    std::string text_;
    bool searched_ = false;
    std::optional<std::vector<int>> found_;  // the slots found; nullopt: RE2 could not tell
  };

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;  // null: fewer than two regexes, each matches alone
};

}  // namespace bounceback::scenario
