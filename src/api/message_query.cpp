// Reading pages of matching messages: the address index when a filter names one address
// exactly, else a chunked scan bounded by the page or the budget.
#include "api/message_query.hpp"

#include <algorithm>

namespace bounceback::api {
namespace {

bool exact(const std::string& pattern) {
  return !pattern.empty() && pattern.find('*') == std::string::npos;
}

bool has_indexable_term(const SearchQuery& query) {
  return std::any_of(query.terms.begin(), query.terms.end(),
                     [](const SearchTerm& t) { return !t.negated && indexable(t); });
}

AddressSearch::Field field_of(const SearchTerm& t) {
  return t.field == SearchTerm::Field::from ? AddressSearch::Field::from : AddressSearch::Field::to;
}

// Messages copied out of the store per lock: short enough that an SMTP store waits
// microseconds, long enough that the lock is taken rarely.
constexpr std::size_t chunk = 256;

}  // namespace

bool reads_address_search(const MessageFilter& filter) {
  return !exact(filter.to) && !exact(filter.from) && has_indexable_term(filter.query);
}

MatchPage find_matches(const store::MessageStore& store, const MessageFilter& filter,
                       const MatchQuery& q, AddressSearch* addresses) {
  // What an index answers, and what is left to check message by message.
  store::MessageRange range;
  range.before = q.before;
  range.after = q.after;
  MessageFilter rest = filter;
  // A search's whole-address term, read from the search's index (its shortest list).
  const SearchTerm* term = nullptr;
  std::string address;
  if (exact(filter.to)) {
    range.by = store::MessageRange::By::recipient;
    range.address = filter.to;
    rest.to.clear();
  } else if (exact(filter.from)) {
    range.by = store::MessageRange::By::sender;
    range.address = filter.from;
    rest.from.clear();
  } else if (addresses && has_indexable_term(filter.query)) {
    // One catch-up, a bounded step: until the index holds every stored message, the search
    // scans (or, when the caller asks, comes back for another step).
    if (!addresses->catch_up(store)) {
      if (q.index_pending) {
        MatchPage out;
        out.pending = true;
        return out;
      }
    } else {
      std::size_t shortest = SIZE_MAX;
      for (const auto& t : filter.query.terms) {
        if (t.negated || !indexable(t)) continue;
        const auto n = addresses->count(field_of(t), t.text);
        if (n < shortest) {
          shortest = n;
          term = &t;
        }
      }
      address = term->text;
      const auto at = term - filter.query.terms.data();
      rest.query.terms.erase(rest.query.terms.begin() + at);
    }
  }
  // A read of the range, from the store or the search's index.
  const auto read = [&](const store::MessageRange& r, std::size_t skip, std::size_t count) {
    return term ? addresses->newest(store, field_of(*term), address, r, skip, count)
                : store.newest(r, skip, count);
  };
  const std::size_t wanted = q.page.start + q.page.limit;
  MatchPage out;
  if (rest.empty()) {  // the range is the answer: read only the page
    auto slice = read(range, q.page.start, q.page.limit);
    out.newest = slice.newest;
    out.messages = std::move(slice.messages);
    out.total = slice.total;
    if (!q.count_all && out.total > std::max<std::size_t>(1, wanted)) {
      out.total = std::max<std::size_t>(1, wanted);
      out.more = true;
    }
    if (slice.total > wanted && !out.messages.empty()) out.next = out.messages.back()->sequence;
    if (q.page.start == 0 && !out.messages.empty()) {
      out.first = out.messages.front();
    } else if (slice.total > 0) {
      auto newest = read(range, 0, 1);
      if (!newest.messages.empty()) out.first = std::move(newest.messages.front());
    }
    return out;
  }
  std::size_t visited = 0, bytes = 0;
  bool first = true;
  for (;;) {
    auto slice = read(range, 0, chunk);
    if (first) out.newest = slice.newest;
    first = false;
    for (std::size_t i = 0; i < slice.messages.size(); ++i) {
      const auto& m = slice.messages[i];
      range.before = m->sequence;  // where the next chunk, or request, goes on
      ++visited;
      bytes += m->message.data.size();
      if (rest.matches(*m)) {
        if (!out.first) out.first = m;
        if (!q.count_all && out.total == std::max<std::size_t>(1, wanted)) {
          out.more = true;  // one match beyond the page: the wait has what it needs
          return out;
        }
        if (out.total >= q.page.start && out.messages.size() < q.page.limit)
          out.messages.push_back(m);
        ++out.total;
      }
      const bool last = slice.messages.size() < chunk && i + 1 == slice.messages.size();
      const bool spent = visited >= q.budget.messages || bytes >= q.budget.bytes;
      if (!last && spent && (!q.complete || out.total > wanted)) {
        out.more = true;  // the budget is spent: the count is a lower bound
        // The next request goes on right after this page when it is full, else from here.
        out.next = out.messages.size() == q.page.limit && q.page.limit > 0
                       ? out.messages.back()->sequence
                       : range.before;
        return out;
      }
    }
    if (slice.messages.size() < chunk) break;
  }
  if (out.total > wanted && !out.messages.empty()) out.next = out.messages.back()->sequence;
  return out;
}

}  // namespace bounceback::api
