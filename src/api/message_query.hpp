// A page of the captured messages matching a filter, newest first, read without holding the
// store's lock while matching. An exact from= or to= (no '*') reads the store's address
// index, a search's whole-address to:/from: term the search's (address_search.hpp, when given):
// O(log n + page). Any other filter scans newest first a chunk at a time,
// stopping at its page (a wait) or at a budget of work per request (a list): then `more` says
// the count is a lower bound and `next` is where the following request continues (docs/api.md,
// "Paging").
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "api/address_search.hpp"
#include "api/message_filter.hpp"
#include "api/query_params.hpp"
#include "api/settings.hpp"
#include "store/message_store.hpp"

namespace bounceback::api {

struct MatchQuery {
  Page page;
  std::uint64_t before = UINT64_MAX;  // only messages older than this sequence (a cursor)
  std::uint64_t after = 0;            // only messages newer (a wait's second look)
  // A list counts every match its budget reaches (`total`); a wait stops once its page is
  // full and it has seen whether one more match exists.
  bool count_all = true;
  ScanBudget budget{SIZE_MAX, SIZE_MAX};
  // A list without a cursor (Mailpit's): the budget does not cut its page short. The scan goes
  // on past the budget until the page is full and one match beyond it is seen (or the oldest
  // message), so the page is complete and `total` > start + page whenever more matches exist.
  bool complete = false;
  // While the search's address index is still catching up with the store (a bounded step per
  // call): answer `pending` at once (the caller calls again after other work) rather than
  // scan.
  bool index_pending = false;
};

struct MatchPage {
  std::vector<store::MessagePtr> messages;  // the page, newest first
  std::size_t total = 0;                    // matches counted: all of them unless `more`
  bool more = false;                        // stopped before the oldest message: more may match
  std::uint64_t next = 0;    // when not 0: before=next (start=0) reads on after this page
  std::uint64_t newest = 0;  // the store's newest sequence when read (a wait's mark)
  store::MessagePtr first;   // the newest match, even when the page starts later
  bool pending = false;      // index_pending asked, and the index is not there yet: call again
};

// Whether find_matches reads the search's address index for this filter (a whole-address
// to:/from: term, and no exact to=/from=).
bool reads_address_search(const MessageFilter& filter);

MatchPage find_matches(const store::MessageStore& store, const MessageFilter& filter,
                       const MatchQuery& query, AddressSearch* addresses = nullptr);

}  // namespace bounceback::api
