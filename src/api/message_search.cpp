// Parsing and matching of `?query=` searches.
#include "api/message_search.hpp"

#include <algorithm>
#include <cctype>

#include "api/message_filter.hpp"
#include "scenario/message_text.hpp"
#include "scenario/message_view.hpp"

namespace bounceback::api {
namespace {

char lower(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

bool contains(std::string_view hay, std::string_view needle) {
  return contains_icase(hay, needle);
}

// Mailpit's filters that a Bounceback search cannot honour: refused rather than ignored, so a
// test never passes by matching more than it asked for.
constexpr std::string_view unsupported[] = {
    "is", "has", "tag",        "after",    "before",    "larger",     "smaller",
    "cc", "bcc", "message-id", "reply-to", "addressed", "return-path"};

bool header_contains(std::string_view data, std::string_view name, std::string_view text) {
  return scenario::for_each_header(data, name,
                                   [&](std::string_view v) { return contains(v, text); });
}

bool from_matches(const store::StoredMessage& m, std::string_view text) {
  return contains(m.message.from, text) || header_contains(m.message.data, "From", text);
}

bool to_matches(const store::StoredMessage& m, std::string_view text) {
  for (const auto& r : m.message.rcpts)
    if (contains(r.address, text)) return true;
  return header_contains(m.message.data, "To", text) || header_contains(m.message.data, "Cc", text);
}

}  // namespace

bool whole_address(std::string_view text) {
  const auto at = text.find('@');
  return at != std::string_view::npos && at > 0 && at + 1 < text.size() &&
         text.find('@', at + 1) == std::string_view::npos &&
         text.find('*') == std::string_view::npos;
}

std::optional<SearchQuery> parse_search(std::string_view q, std::string& error) {
  if (q.size() > SearchQuery::max_length) {
    error = "query: at most " + std::to_string(SearchQuery::max_length) + " bytes";
    return std::nullopt;
  }
  SearchQuery out;
  std::size_t i = 0;
  while (i < q.size()) {
    if (q[i] == ' ' || q[i] == '\t') {
      ++i;
      continue;
    }
    SearchTerm term;
    if (q[i] == '-' || q[i] == '!') {
      term.negated = true;
      ++i;
    }
    // An optional field prefix: letters and '-' up to a ':'.
    std::size_t j = i;
    while (j < q.size() && (std::isalpha(static_cast<unsigned char>(q[j])) || q[j] == '-')) ++j;
    if (j < q.size() && q[j] == ':' && j > i) {
      std::string key(q.substr(i, j - i));
      std::transform(key.begin(), key.end(), key.begin(), lower);
      if (key == "from" || key == "to" || key == "subject") {
        term.field = key == "from" ? SearchTerm::Field::from
                     : key == "to" ? SearchTerm::Field::to
                                   : SearchTerm::Field::subject;
        i = j + 1;
      } else if (std::find(std::begin(unsupported), std::end(unsupported), key) !=
                 std::end(unsupported)) {
        error = "query: the filter \"" + key +
                ":\" is not supported; Bounceback searches from:, to:, subject: and words "
                "(sender, recipients, subject, body text)";
        return std::nullopt;
      }
    }
    if (i < q.size() && q[i] == '"') {
      const auto close = q.find('"', i + 1);
      if (close == std::string_view::npos) {
        error = "query: a quote is not closed";
        return std::nullopt;
      }
      term.text = std::string(q.substr(i + 1, close - i - 1));
      i = close + 1;
    } else {
      const auto end = q.find_first_of(" \t", i);
      term.text = std::string(q.substr(i, end == std::string_view::npos ? q.size() - i : end - i));
      i = end == std::string_view::npos ? q.size() : end;
    }
    if (term.text.empty()) continue;  // "from:" alone, or "" : nothing to look for
    term.address = term.field != SearchTerm::Field::any &&
                   term.field != SearchTerm::Field::subject && whole_address(term.text);
    if (out.terms.size() == SearchQuery::max_terms) {
      error = "query: at most " + std::to_string(SearchQuery::max_terms) + " terms";
      return std::nullopt;
    }
    out.terms.push_back(std::move(term));
  }
  return out;
}

namespace {

// A whole address term's envelope part: the envelope's address, exactly (as to=/from= compare).
bool envelope_has(const SearchTerm& t, const store::StoredMessage& m) {
  if (t.field == SearchTerm::Field::from) return address_matches(t.text, m.message.from);
  return std::any_of(m.message.rcpts.begin(), m.message.rcpts.end(),
                     [&](const smtp::Recipient& r) { return address_matches(t.text, r.address); });
}

// What cannot be part of an address outside quotes: what delimits one in a header's value
// (`Alice <alice@shop.test>`, `a@x.test, b@x.test`, `(comment)`, `group: a@x.test;`).
bool address_boundary(char c) {
  return std::string_view(" \t\r\n<>,;:\"()[]").find(c) != std::string_view::npos;
}

// `address` as a whole address of the header's value: ASCII case folded, delimited on both
// sides (so `alice@shop.test` is not found in `xalice@shop.test` nor `alice@shop.test.org`).
bool value_has_address(std::string_view value, std::string_view address) {
  for (std::size_t i = 0; i + address.size() <= value.size(); ++i) {
    if (lower(value[i]) != lower(address[0])) continue;
    const std::size_t end = i + address.size();
    if ((i == 0 || address_boundary(value[i - 1])) &&
        (end == value.size() || address_boundary(value[end])) &&
        address_matches(address, value.substr(i, address.size())))
      return true;
  }
  return false;
}

bool header_has_address(std::string_view data, std::string_view name, std::string_view address) {
  return scenario::for_each_header(
      data, name, [&](std::string_view v) { return value_has_address(v, address); });
}

// A whole address term: the envelope's address, or an address of the From: (from:) or the
// To:/Cc: (to:) header, exactly and case-folded (Mailpit matches the headers; a VERP return
// path is not the From: a test looks for).
bool has_address(const SearchTerm& t, const store::StoredMessage& m) {
  if (envelope_has(t, m)) return true;
  const auto& data = m.message.data;
  if (t.field == SearchTerm::Field::from) return header_has_address(data, "From", t.text);
  return header_has_address(data, "To", t.text) || header_has_address(data, "Cc", t.text);
}

}  // namespace

bool indexable(const SearchTerm& t) {
  return t.address && std::none_of(t.text.begin(), t.text.end(), address_boundary);
}

void message_addresses(const store::StoredMessage& m, MessageAddresses& out) {
  out.from.clear();
  out.to.clear();
  out.storage.clear();
  // value_has_address finds an address without delimiters exactly when it is a whole run of
  // the value between delimiters (or its ends): those runs are what the index holds.
  const auto values = [&](std::string_view name) {
    scenario::for_each_header(m.message.data, name, [&](std::string_view v) {
      if (v.find('@') != std::string_view::npos) out.storage.emplace_back(v);
      return false;
    });
  };
  values("From");
  const std::size_t from_values = out.storage.size();
  values("To");
  values("Cc");
  // Views only once every value is kept (a growing vector moves short strings' bytes).
  const auto runs = [](std::string_view value, std::vector<std::string_view>& into) {
    std::size_t i = 0;
    while (i < value.size()) {
      while (i < value.size() && address_boundary(value[i])) ++i;
      std::size_t end = i;
      while (end < value.size() && !address_boundary(value[end])) ++end;
      const auto run = value.substr(i, end - i);
      if (whole_address(run)) into.push_back(run);
      i = end;
    }
  };
  if (whole_address(m.message.from)) out.from.push_back(m.message.from);
  for (std::size_t i = 0; i < from_values; ++i) runs(out.storage[i], out.from);
  for (const auto& r : m.message.rcpts)
    if (whole_address(r.address)) out.to.push_back(r.address);
  for (std::size_t i = from_values; i < out.storage.size(); ++i) runs(out.storage[i], out.to);
}

bool SearchQuery::matches(const store::StoredMessage& m) const {
  std::string subject, storage;
  bool have_subject = false, have_body = false;
  std::string_view body;
  for (const auto& t : terms) {
    bool hit = false;
    if (t.address) {
      if (has_address(t, m) == t.negated) return false;
      continue;
    }
    if (t.field == SearchTerm::Field::from || t.field == SearchTerm::Field::any)
      hit = from_matches(m, t.text);
    if (!hit && (t.field == SearchTerm::Field::to || t.field == SearchTerm::Field::any))
      hit = to_matches(m, t.text);
    if (!hit && (t.field == SearchTerm::Field::subject || t.field == SearchTerm::Field::any)) {
      if (!have_subject) subject = message_subject(m.message.data);
      have_subject = true;
      hit = contains(subject, t.text);
    }
    if (!hit && t.field == SearchTerm::Field::any) {
      if (!have_body) body = scenario::message_text(m.message.data, storage);
      have_body = true;
      hit = contains(body.substr(0, max_body_scan), t.text);
    }
    if (hit == t.negated) return false;
  }
  return true;
}

}  // namespace bounceback::api
