// `?query=` search over captured messages (docs/api.md, "Search"): words and quoted phrases,
// each a case-insensitive substring of the sender, a recipient, the subject or the body text,
// or restricted with Mailpit's `from:`, `to:`, `subject:` prefixes; `-` or `!` excludes. All
// terms must hold. A `from:` or `to:` whose text is a whole address (local@domain) is that
// envelope address, or an address of the From: (from:) or To:/Cc: (to:) header, exactly (ASCII
// case folded); find_matches reads it from the search's address index (address_search.hpp)
// when it has one. Parsed once per request; matching reads the body only when a term needs it.
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

// Whether the search's address index answers `term` exactly: a whole address with none of the
// characters that delimit one in a header (a quoted `to:"Bob <bob@x.test>"` is scanned).
bool indexable(const SearchTerm& term);

// The addresses of a message that a whole-address term of each field finds (indexable() ones):
// the envelope's, and each whole address of the header fields' values, delimited as the scan
// delimits them; repeats left in (the index keeps one). Views of the message and of `storage`.
struct MessageAddresses {
  std::vector<std::string_view> from, to;
  std::vector<std::string> storage;  // header values, decoded
};
void message_addresses(const store::StoredMessage& message, MessageAddresses& out);

struct SearchQuery {
  static constexpr std::size_t max_length = 1024;  // bytes of the query
  static constexpr std::size_t max_terms = 16;
  static constexpr std::size_t max_body_scan = 1024 * 1024;  // bytes of decoded text read

  std::vector<SearchTerm> terms;

  bool empty() const { return terms.empty(); }
  bool matches(const store::StoredMessage& message) const;
};

// nullopt and the message of a 400 in `error` for a query over the bounds, an unclosed quote,
// or a Mailpit filter Bounceback does not search (`is:`, `tag:`, `before:`, ...).
std::optional<SearchQuery> parse_search(std::string_view query, std::string& error);

}  // namespace bounceback::api
