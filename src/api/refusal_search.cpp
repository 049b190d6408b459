// Matching refusals against a parsed `?query=`.
#include "api/refusal_search.hpp"

#include <string>

#include "api/message_filter.hpp"

namespace bounceback::api {
namespace {

// The reply as one line ("550 5.1.1 text"), so that a phrase may span the codes and the
// text; the outcome's name when no reply was sent.
void reply_line(const store::Refusal& r, std::string& out) {
  if (r.outcome != store::RefusalOutcome::reply) {
    out = store::to_string(r.outcome);
    return;
  }
  out = std::to_string(r.code);
  if (!r.enhanced.empty()) out += ' ' + r.enhanced;
  if (!r.text.empty()) out += ' ' + r.text;
}

}  // namespace

bool refusal_matches(const SearchQuery& query, const store::Refusal& r) {
  using Field = SearchTerm::Field;
  std::string reply;
  for (const auto& t : query.terms) {
    bool hit = false;
    if (t.field == Field::from || t.field == Field::any) hit = contains_icase(r.from, t.text);
    if (!hit && (t.field == Field::to || t.field == Field::any))
      hit = contains_icase(r.rcpt, t.text);
    if (!hit && t.field == Field::any) {
      if (reply.empty()) reply_line(r, reply);
      hit = contains_icase(reply, t.text);
    }
    if (hit == t.negated) return false;
  }
  return true;
}

}  // namespace bounceback::api
