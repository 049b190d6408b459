// Lookup over the catalogue tables, the standard reply per code, and `explain` (query parsing,
// combining a reply code with an enhanced status code, and the CLI rendering).
#include "catalog/catalog.hpp"

#include <algorithm>

#include "catalog/key.hpp"

namespace bounceback::catalog {
namespace {

using detail::enhanced_key;
using detail::EnhancedKey;

const EnhancedCode* find_exact(const EnhancedKey& key) {
  const auto table = enhanced_codes();
  const auto it = std::lower_bound(
      table.begin(), table.end(), key,
      [](const EnhancedCode& row, const EnhancedKey& k) { return *enhanced_key(row.code) < k; });
  return it != table.end() && *enhanced_key(it->code) == key ? &*it : nullptr;
}

std::string_view class_of_digit(char digit) {
  switch (digit) {
    case '2':
      return "success";
    case '3':
      return "intermediate";
    case '4':
      return "temporary";
    case '5':
      return "permanent";
    default:
      return "not_smtp";
  }
}

Bounce bounce_of(char digit, const EnhancedCode& row) {
  if (digit == '4') return Bounce::soft;
  if (digit == '5') return row.field_soft ? Bounce::soft : Bounce::hard;
  return Bounce::none;
}

std::optional<std::string> bounce_field(Bounce b) {
  if (b == Bounce::none) return std::nullopt;
  return std::string(to_string(b));
}

// Text for a code the catalogue does not know, by its class digit (RFC 5321 §4.2.1).
std::string_view generic_text(std::uint16_t code) {
  switch (code / 100) {
    case 2:
      return "Ok";
    case 3:
      return "Go ahead";
    case 4:
      return "Temporary failure, please try again later";
    case 5:
      return "Requested action not taken";
    default:
      return "Not an SMTP reply";
  }
}

// Text for an enhanced code the catalogue lacks: it must fit the code's class and subject
// (RFC 3463 §3: X.1 addressing ... X.7 policy), never borrow another code's text, which bounce
// classifiers would read as that other failure (5.7.606 read as an unknown user). Worded so
// Sisimai files each under its subject (tests/integration/test_classifiers.py).
std::string_view subject_text(std::string_view enhanced) {
  struct Row {
    std::string_view temporary, permanent;
  };
  static constexpr Row kBySubject[] = {
      {"Temporary failure, please try again later", "Other undefined status"},
      {"Address not verified now, please try again later", "Address rejected"},
      {"Mailbox temporarily unavailable, please try again later",
       "Mailbox cannot accept this message"},
      {"Mail system problem, please try again later", "Mail system error"},
      {"Network or routing problem, please try again later", "Network or routing error"},
      {"Protocol problem, please try again later", "Protocol error"},
      {"Message content not accepted now, please try again later", "Message content rejected"},
      {"Temporarily refused by local policy, please try again later",
       "Message refused by security policy"},
  };
  const auto key = enhanced_key(enhanced);
  if (!key || key->klass == 2) return "Ok";
  const auto subject = static_cast<std::size_t>(key->subject);
  const Row& row = subject < std::size(kBySubject) ? kBySubject[subject] : kBySubject[0];
  return key->klass == 4 ? row.temporary : row.permanent;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// The reply code a lone enhanced code is most often sent with, for the explanation's example.
std::uint16_t usual_code_for(std::string_view enhanced) {
  const BasicCode* any = nullptr;
  for (const auto& row : basic_codes()) {
    if (row.standard_enhanced != enhanced) continue;
    if (row.reference.starts_with("RFC")) return row.code;
    if (!any) any = &row;
  }
  if (any) return any->code;
  switch (enhanced.front()) {
    case '2':
      return 250;
    case '4':
      return 451;
    default:
      return 550;
  }
}

void append_note(std::string& note, std::string_view more) {
  if (more.empty()) return;
  if (!note.empty()) note += ' ';
  note += more;
}

std::optional<Explanation> explain_enhanced(std::string_view enhanced) {
  const EnhancedCode* row = find_enhanced(enhanced);
  if (!row || !smtp::is_enhanced_code(enhanced)) return std::nullopt;
  Explanation x;
  x.enhanced = std::string(enhanced);
  x.klass = std::string(class_of_digit(enhanced.front()));
  x.bounce = bounce_field(bounce_of(enhanced.front(), *row));
  x.meaning = std::string(row->meaning);
  x.action = std::string(row->action);
  x.note = std::string(row->note);
  x.example = standard_reply(usual_code_for(enhanced), enhanced).summary();
  x.reference = std::string(row->reference);
  return x;
}

std::optional<Explanation> explain_basic(std::uint16_t code, std::string_view enhanced) {
  const BasicCode* basic = find_basic(code);
  if (!basic) return std::nullopt;
  Explanation x;
  x.code = std::to_string(code);
  x.klass = std::string(basic->klass);
  x.bounce = bounce_field(basic->bounce);
  x.meaning = std::string(basic->meaning);
  x.action = std::string(basic->action);
  x.note = std::string(basic->note);
  x.reference = std::string(basic->reference);
  if (basic->klass != "not_smtp") x.example = standard_reply(code, enhanced).summary();
  if (enhanced.empty()) return x;

  x.enhanced = std::string(enhanced);
  const EnhancedCode* row = find_enhanced(enhanced);
  const char code_digit = static_cast<char>('0' + code / 100);
  // RFC 3463 §2: the class digit "must" match the reply code's; a mismatch is a server bug
  // (or a scenario typo) worth saying out loud, not in a footnote.
  if (enhanced.front() != code_digit)
    x.warning = "the reply code " + x.code + " is " + x.klass + " but the enhanced code " +
                x.enhanced + " is " + std::string(class_of_digit(enhanced.front())) +
                "; they should agree (RFC 3463 §2), and SMTP clients act on the reply code.";
  if (!row) {
    append_note(x.note, "The enhanced code " + x.enhanced +
                            " is not in the IANA registry; act on the reply code.");
    return x;
  }
  x.code_meaning = std::move(x.meaning);
  x.meaning = std::string(row->meaning);
  x.action = std::string(row->action);
  x.note = std::string(row->note);
  x.reference += ", " + std::string(row->reference);
  if (enhanced.front() == code_digit) x.bounce = bounce_field(bounce_of(code_digit, *row));
  return x;
}

// A provider row explains the pasted reply over its codes: its meaning, advice and bounce; the
// reply code's own meaning stays on the `Reply NNN` line.
void apply_provider(Explanation& x, const ProviderReply& row) {
  if (x.code_meaning.empty()) x.code_meaning = std::move(x.meaning);
  x.meaning = std::string(row.meaning);
  x.action = std::string(row.action);
  x.note = std::string(row.note);
  x.bounce = bounce_field(row.bounce);
  x.example = std::string(row.example);
  x.reference += ", field (" + std::string(row.provider) + ")";
  x.provider = std::string(row.provider);
}

// Appends "Label:   text" wrapped at 78 columns with a hanging indent.
void append_field(std::string& out, std::string_view label, std::string_view text) {
  if (text.empty()) return;
  constexpr std::size_t indent = 12, width = 78;
  std::string line(label);
  line += ':';
  line.resize(indent, ' ');
  std::size_t used = indent;
  bool first = true;
  while (!text.empty()) {
    const auto space = text.find(' ');
    const auto word = text.substr(0, space);
    text = space == std::string_view::npos ? std::string_view{} : text.substr(space + 1);
    if (word.empty()) continue;
    if (!first && used + 1 + word.size() > width) {
      out += line + '\n';
      line.assign(indent, ' ');
      used = indent;
      first = true;
    }
    if (!first) {
      line += ' ';
      ++used;
    }
    line += word;
    used += word.size();
    first = false;
  }
  out += line + '\n';
}

}  // namespace

std::string_view to_string(Bounce b) {
  switch (b) {
    case Bounce::soft:
      return "soft";
    case Bounce::hard:
      return "hard";
    default:
      return "none";
  }
}

const BasicCode* find_basic(std::uint16_t code) {
  const auto table = basic_codes();
  const auto it =
      std::lower_bound(table.begin(), table.end(), code,
                       [](const BasicCode& row, std::uint16_t c) { return row.code < c; });
  return it != table.end() && it->code == code ? &*it : nullptr;
}

const EnhancedCode* find_enhanced(std::string_view code) {
  auto key = enhanced_key(code);
  if (!key) return nullptr;
  if (const auto* row = find_exact(*key)) return row;
  if (key->klass == 0) return nullptr;
  const auto range = detail::provider_range_row(*key);
  key->klass = 0;
  if (const auto* row = find_exact(*key)) return row;
  return range.empty() ? nullptr : find_exact(*enhanced_key(range));
}

smtp::Reply standard_reply(std::uint16_t code, std::string_view enhanced) {
  smtp::Reply reply;
  reply.code = code;
  const BasicCode* basic = find_basic(code);
  if (enhanced.empty() || (basic && enhanced == basic->standard_enhanced)) {
    if (basic) {
      reply.enhanced = std::string(basic->standard_enhanced);
      reply.text = std::string(basic->standard_text);
    } else if (code / 100 == 2 || code / 100 == 4 || code / 100 == 5) {
      reply.enhanced = std::to_string(code / 100) + ".0.0";
    }
  } else {
    reply.enhanced = std::string(enhanced);
    if (const auto* row = find_enhanced(enhanced); row && !row->standard_text.empty())
      reply.text = std::string(row->standard_text);
    else
      reply.text = std::string(subject_text(enhanced));
  }
  if (reply.text.empty()) reply.text = std::string(generic_text(code));
  return reply;
}

std::optional<Explanation> explain(std::string_view query) {
  query = trim(query);
  if (query.size() >= 3 && is_digit(query[0]) && is_digit(query[1]) && is_digit(query[2]) &&
      (query.size() == 3 || query[3] == ' ' || query[3] == '-' || query[3] == '\t')) {
    const auto code = static_cast<std::uint16_t>((query[0] - '0') * 100 + (query[1] - '0') * 10 +
                                                 (query[2] - '0'));
    auto rest = trim(query.substr(std::min<std::size_t>(query.size(), 4)));
    auto token = rest.substr(0, rest.find_first_of(" \t"));
    if (!smtp::is_enhanced_code(token)) token = {};  // free reply text after the code
    auto x = explain_basic(code, token);
    // The text is read only for a provider's marker; other text is ignored.
    if (const auto* row = find_provider_reply(code, token, trim(rest.substr(token.size())));
        x && row)
      apply_provider(*x, *row);
    return x;
  }
  const auto token = query.substr(0, query.find_first_of(" \t"));
  if (!smtp::is_enhanced_code(token)) return std::nullopt;
  return explain_enhanced(token);
}

std::string render(const Explanation& x) {
  std::string out;
  std::string head = x.code;
  if (!x.enhanced.empty()) head += (head.empty() ? "" : " ") + x.enhanced;
  head += " — ";
  if (x.klass == "not_smtp")
    head += "not an SMTP reply";
  else
    head += x.klass;
  if (x.bounce) head += ", " + *x.bounce + " bounce";
  out += head + '\n';
  append_field(out, "Provider", x.provider);
  append_field(out, "Warning", x.warning);
  append_field(out, "Meaning", x.meaning);
  if (!x.code_meaning.empty()) append_field(out, "Reply " + x.code, x.code_meaning);
  append_field(out, "Action", x.action);
  append_field(out, "Note", x.note);
  append_field(out, "Example", x.example);
  append_field(out, "Reference", x.reference);
  return out;
}

}  // namespace bounceback::catalog
