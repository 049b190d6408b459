// Which captured messages a query means: ?from= ?to= (exact address, case-insensitive, or a
// glob with '*'), ?subject= (case-insensitive substring), ?about= (the generated messages
// about one message: its id) and ?query= (message_search.hpp).
// Shared by the list, the long-poll and the event stream.
#pragma once

#include <string>
#include <string_view>

#include "api/message_search.hpp"
#include "store/message_store.hpp"

namespace bounceback::api {

struct MessageFilter {
  std::string from, to, subject;  // empty: any
  std::string about;              // empty: any; else a generated message's original's id
  SearchQuery query;

  bool empty() const {
    return from.empty() && to.empty() && subject.empty() && about.empty() && query.empty();
  }
  bool matches(const store::StoredMessage& message) const;
  // The envelope's part of matches() (about=, from=, to=): a few comparisons, cheap enough for
  // the SMTP thread that stores a message to run for each waiting client. The content's part
  // (subject=, query=: headers parsed, a body decoded; a whole-address term too, which may be a
  // header's) runs on the API's thread, where a whole address is read from the search's index.
  bool matches_envelope(const store::StoredMessage& message) const;
  bool reads_content() const { return !subject.empty() || !query.empty(); }
};

// The Subject header field of a raw message, unfolded ("" when there is none).
std::string message_subject(std::string_view data);

// Whether `needle` is in `hay`, ASCII letters compared case-insensitively.
bool contains_icase(std::string_view hay, std::string_view needle);

// Case-insensitive match of `text` against `pattern`: exact, or a glob when it has '*'.
bool address_matches(std::string_view pattern, std::string_view text);

}  // namespace bounceback::api
