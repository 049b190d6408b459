// `?query=` search over captured messages (docs/api.md, "Search"): words and quoted phrases,
// each a case-insensitive substring of the sender, a recipient, the subject or the body text,
// or restricted with Mailpit's `from:`, `to:`, `subject:` prefixes; `-` or `!` excludes. All
// terms must hold. A `from:` or `to:` whose text is a whole address (local@domain) is that
// envelope address, or an address of the From: (from:) or To:/Cc: (to:) header, exactly (ASCII
// case folded); it scans like any other term. Parsed once per request; matching reads the body
// only when a term needs it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/message_store.hpp"

namespace bounceback::api {

struct SearchTerm {
  enum class Field { any, from, to, subject };
  Field field = Field::any;
  std::string text;  // lower-case ASCII folding happens at compare time
  bool negated = false;
  bool address = false;  // from:/to: with a whole address: envelope or header, exactly
};

// Whether `text` is a whole address: one '@' with something on each side, no '*' (a glob).
bool whole_address(std::string_view text);

struct SearchQuery {
  static constexpr std::size_t max_length = 1024;  // bytes of the query
  static constexpr std::size_t max_terms = 16;
  static constexpr std::size_t max_body_scan = 1024 * 1024;  // bytes of decoded text read

  std::vector<SearchTerm> terms;

  bool empty() const { return terms.empty(); }
  bool matches(const store::StoredMessage& message) const;
  // What the envelope alone decides (no header parsed): a negated whole address that the
  // envelope has. Cheap enough for the SMTP thread that wakes a waiting client; a positive
  // address may be in a header, so it is the API thread's. matches() implies it.
  bool matches_envelope(const store::StoredMessage& message) const;
};

// nullopt and the message of a 400 in `error` for a query over the bounds, an unclosed quote,
// or a Mailpit filter Bounceback does not search (`is:`, `tag:`, `before:`, ...).
std::optional<SearchQuery> parse_search(std::string_view query, std::string& error);

}  // namespace bounceback::api
