// A text matcher from a scenario: a case-insensitive glob ("*@example.com", whole-string
// match; * and ? wildcards) or, with the "re:" prefix, an RE2 regex (searched anywhere).
// Both compile to RE2, so matching is linear in the input and never recurses (safe on
// hostile 50 MB bodies).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace re2 {
class RE2;
}

namespace bounceback::scenario {

class Pattern {
 public:
  // Compiles `spec`; on failure returns an empty Pattern and sets `error`.
  static Pattern compile(std::string_view spec, std::string& error);

  bool valid() const { return re_ != nullptr; }
  bool matches(std::string_view text) const;
  const std::string& spec() const { return spec_; }
  // For a glob whose text after its last '@' is ASCII and has no wildcard ("*@example.com",
  // "bob@x.test"): that domain in lower case, which the part after the last '@' of every
  // matching ASCII address equals (see rule_index.hpp). Else nullopt (regexes included).
  std::optional<std::string> literal_domain() const;
  // The compiled regex of a "re:" pattern (null for globs): BodyRegexes searches several at once.
  const re2::RE2* regex() const { return glob_ ? nullptr : re_.get(); }

 private:
  // A glob's literal ends, lower-case ASCII, checked before RE2 is asked: most patterns
  // ("*@domain") fail on them at once. See pattern.cpp for why this agrees with RE2.
  enum class Quick { no, yes, ask_re2 };
  Quick quick(std::string_view text) const;

  std::string spec_;
  std::shared_ptr<const re2::RE2> re_;  // shared: rules are copied, RE2 is not copyable
  bool glob_ = false;
  std::string prefix_, suffix_;  // ASCII literal text before the first / after the last wildcard
  std::size_t min_size_ = 0;     // bytes any match needs (literals and ? take at least one)
  bool prefix_star_suffix_ = false;  // the glob is exactly prefix_ "*" suffix_
};

}  // namespace bounceback::scenario
