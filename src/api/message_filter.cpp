// Matching captured messages against the API's query filters.
#include "api/message_filter.hpp"

#include <algorithm>

#include "scenario/message_view.hpp"

namespace bounceback::api {
namespace {

// ASCII case folding, as std::tolower in the "C" locale the server runs in, without its call
// per byte (a search compares every byte of 100,000 messages' headers).
char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c;
}

bool glob(std::string_view p, std::string_view t) {
  // Iterative '*' matching with one backtrack point: linear enough for short addresses.
  std::size_t pi = 0, ti = 0, star = std::string_view::npos, mark = 0;
  while (ti < t.size()) {
    if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = ti;
    } else if (pi < p.size() && lower(p[pi]) == lower(t[ti])) {
      ++pi;
      ++ti;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

}  // namespace

bool contains_icase(std::string_view hay, std::string_view needle) {
  if (needle.empty()) return true;
  if (needle.size() > hay.size()) return false;
  const char first = lower(needle[0]);
  for (std::size_t i = 0, last = hay.size() - needle.size(); i <= last; ++i) {
    if (lower(hay[i]) != first) continue;
    std::size_t k = 1;
    while (k < needle.size() && lower(hay[i + k]) == lower(needle[k])) ++k;
    if (k == needle.size()) return true;
  }
  return false;
}

bool address_matches(std::string_view pattern, std::string_view text) {
  return glob(pattern, text);  // without '*' a glob is an exact, case-insensitive match
}

std::string message_subject(std::string_view data) {
  std::string subject;
  scenario::for_each_header(data, "Subject", [&](std::string_view v) {
    subject = std::string(v);
    return true;
  });
  while (!subject.empty() && (subject.back() == '\r' || subject.back() == '\n' ||
                              subject.back() == ' ' || subject.back() == '\t'))
    subject.pop_back();
  return subject;
}

bool MessageFilter::matches_envelope(const store::StoredMessage& stored) const {
  const auto& m = stored.message;
  if (!about.empty() && m.about != about) return false;
  if (!from.empty() && !address_matches(from, m.from)) return false;
  if (!to.empty() && std::none_of(m.rcpts.begin(), m.rcpts.end(), [&](const smtp::Recipient& r) {
        return address_matches(to, r.address);
      }))
    return false;
  return true;
}

bool MessageFilter::matches(const store::StoredMessage& stored) const {
  if (!matches_envelope(stored)) return false;
  if (!subject.empty() && !contains_icase(message_subject(stored.message.data), subject))
    return false;
  return query.matches(stored);  // last: it may read the body
}

}  // namespace bounceback::api
