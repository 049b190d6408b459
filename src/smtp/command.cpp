// Command-line and path parsing. Lenient where real clients differ harmlessly (spaces after
// the colon, lower-case keywords), strict where the RFC protects the receiver.
#include "smtp/command.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include "smtp/command_table.hpp"

namespace bounceback::smtp {
namespace {

constexpr char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
}

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

constexpr std::size_t max_path = 256;  // RFC 5321 §4.5.3.1.3

// Extracts the path after "FROM:"/"TO:"; returns the rest (the parameters) in `rest`.
bool split_path(std::string_view arg, std::string_view keyword, std::string_view& path,
                std::string_view& rest) {
  if (!istarts_with(arg, keyword)) return false;
  arg.remove_prefix(keyword.size());
  while (!arg.empty() && arg.front() == ' ') arg.remove_prefix(1);  // "FROM: <a>" is common
  if (arg.empty()) return false;
  if (arg.front() != '<') {  // a bare address, as some old clients send
    const auto sp = arg.find(' ');
    path = arg.substr(0, sp);
    rest = sp == std::string_view::npos ? std::string_view{} : arg.substr(sp + 1);
    return true;
  }
  bool quoted = false;
  for (std::size_t i = 1; i < arg.size(); ++i) {
    const char c = arg[i];
    if (c == '\\' && quoted) {
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == '>' && !quoted) {
      path = arg.substr(1, i - 1);
      rest = arg.substr(i + 1);
      if (!rest.empty() && rest.front() != ' ') return false;
      return true;
    }
  }
  return false;
}

// Drops an obsolete source route "@a,@b:" (§4.1.2, C.1): it must be accepted and ignored.
// False when the route has no ':' or no mailbox after it ("<@a>", "<@a:>"): that is not <>.
bool strip_source_route(std::string_view& path) {
  if (path.empty() || path.front() != '@') return true;
  const auto colon = path.find(':');
  if (colon == std::string_view::npos || colon + 1 == path.size()) return false;
  path.remove_prefix(colon + 1);
  return true;
}

bool is_atext(unsigned char c) {
  if (c >= 0x80) return true;  // UTF-8 (RFC 6531)
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-/=?^_`{|}~").find(static_cast<char>(c)) !=
         std::string_view::npos;
}

bool valid_local(std::string_view local) {
  if (local.empty()) return false;
  if (local.front() == '"') {  // quoted-string: printable ASCII and quoted pairs
    if (local.size() < 2 || local.back() != '"') return false;
    for (std::size_t i = 1; i + 1 < local.size(); ++i) {
      const auto c = static_cast<unsigned char>(local[i]);
      if (c == '\\') {
        if (++i + 1 == local.size()) return false;  // the closing quote was escaped
        continue;
      }
      if (c < 32 || c == 127 || c == '"') return false;
    }
    return true;
  }
  bool dot_ok = false;  // no leading, trailing or double dot
  for (const char ch : local) {
    if (ch == '.') {
      if (!dot_ok) return false;
      dot_ok = false;
    } else if (is_atext(static_cast<unsigned char>(ch))) {
      dot_ok = true;
    } else {
      return false;
    }
  }
  return dot_ok;
}

bool valid_domain(std::string_view domain) {
  if (domain.empty() || domain.size() > 255) return false;
  if (domain.front() == '[') {  // address literal; the contents are not resolved, only shaped
    if (domain.back() != ']' || domain.size() < 4) return false;
    for (const char c : domain.substr(1, domain.size() - 2))
      if (c <= ' ' || c == '[' || c == ']' || c == '\\' || c == 127) return false;
    return true;
  }
  std::size_t label = 0;
  for (const char ch : domain) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
    } else if (c >= 0x80 || c == '-' || c == '_' || (c >= '0' && c <= '9') ||
               (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      if (++label > 63) return false;
    } else {
      return false;
    }
  }
  return true;  // a trailing dot is tolerated, as resolvers do
}

bool parse_number(std::string_view s, std::uint64_t& out) {
  if (s.empty() || s.size() > 20) return false;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && p == s.data() + s.size();
}

// Calls f(keyword, value, has_value) for each space-separated parameter; stops at the
// first false and returns it.
template <typename F>
bool for_each_param(std::string_view rest, F&& f) {
  rest = trim(rest);
  while (!rest.empty()) {
    const auto sp = rest.find(' ');
    const auto item = rest.substr(0, sp);
    rest = sp == std::string_view::npos ? std::string_view{} : trim(rest.substr(sp + 1));
    const auto eq = item.find('=');
    if (!f(item.substr(0, eq),
           eq == std::string_view::npos ? std::string_view{} : item.substr(eq + 1),
           eq != std::string_view::npos))
      return false;
  }
  return true;
}

// Which extension each parameter belongs to: without it the parameter is unknown.
struct ParamRow {
  std::string_view name;
  Extension extension;
};
constexpr std::array<ParamRow, 6> mail_params{{{"SIZE", Extension::size},
                                               {"BODY", Extension::eightbitmime},
                                               {"SMTPUTF8", Extension::smtputf8},
                                               {"RET", Extension::dsn},
                                               {"ENVID", Extension::dsn},
                                               {"AUTH", Extension::auth}}};
constexpr std::array<ParamRow, 2> rcpt_params{
    {{"NOTIFY", Extension::dsn}, {"ORCPT", Extension::dsn}}};

template <std::size_t N>
bool withheld(const std::array<ParamRow, N>& rows, std::string_view key, ExtensionSet offered) {
  for (const auto& row : rows)
    if (iequals(key, row.name)) return (offered & bit(row.extension)) == 0;
  return false;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

CommandLine parse_command(std::string_view line) {
  CommandLine cmd;
  const auto sp = line.find(' ');
  cmd.name = line.substr(0, sp);
  cmd.arg = sp == std::string_view::npos ? std::string_view{} : trim(line.substr(sp + 1));
  cmd.row = find_command(cmd.name);
  if (cmd.row) cmd.verb = cmd.row->verb;
  return cmd;
}

bool valid_mailbox(std::string_view address) {
  if (address.size() > max_path) return false;
  const auto at = address.rfind('@');
  if (at == std::string_view::npos) return iequals(address, "postmaster");
  return valid_local(address.substr(0, at)) && valid_domain(address.substr(at + 1));
}

MailCommand parse_mail(std::string_view arg, ExtensionSet offered) {
  MailCommand m;
  std::string_view path, rest;
  if (!split_path(arg, "FROM:", path, rest)) {
    m.error = PathError::syntax;
    return m;
  }
  if (!strip_source_route(path) ||
      (!path.empty() && (!valid_mailbox(path) || path.find('@') == std::string_view::npos))) {
    m.error = PathError::bad_address;
    return m;
  }
  m.address = path;
  for_each_param(rest, [&](std::string_view key, std::string_view value, bool has_value) {
    auto fail = [&](PathError e) {
      m.error = e;
      m.detail = key;
      return false;
    };
    if (withheld(mail_params, key, offered)) return fail(PathError::unknown_parameter);
    if (iequals(key, "SIZE")) {
      std::uint64_t n = 0;
      if (!has_value || !parse_number(value, n)) return fail(PathError::bad_parameter);
      m.params.size = n;
    } else if (iequals(key, "BODY")) {
      if (!iequals(value, "7BIT") && !iequals(value, "8BITMIME") && !iequals(value, "BINARYMIME"))
        return fail(PathError::bad_parameter);
      m.params.body = value;
    } else if (iequals(key, "SMTPUTF8")) {
      if (has_value) return fail(PathError::bad_parameter);
      m.params.smtputf8 = true;
    } else if (iequals(key, "RET")) {
      if (!iequals(value, "FULL") && !iequals(value, "HDRS")) return fail(PathError::bad_parameter);
      m.params.ret = value;
    } else if (iequals(key, "ENVID")) {
      if (value.empty() || value.size() > 100) return fail(PathError::bad_parameter);
      m.params.envid = value;
    } else if (iequals(key, "AUTH")) {
      if (value.empty()) return fail(PathError::bad_parameter);
      m.params.auth = value;
    } else {
      return fail(PathError::unknown_parameter);
    }
    return true;
  });
  return m;
}

RcptCommand parse_rcpt(std::string_view arg, ExtensionSet offered) {
  RcptCommand r;
  std::string_view path, rest;
  if (!split_path(arg, "TO:", path, rest)) {
    r.error = PathError::syntax;
    return r;
  }
  if (!strip_source_route(path) || path.empty() || !valid_mailbox(path)) {
    r.error = PathError::bad_address;
    return r;
  }
  r.address = path;
  for_each_param(rest, [&](std::string_view key, std::string_view value, bool) {
    auto fail = [&](PathError e) {
      r.error = e;
      r.detail = key;
      return false;
    };
    if (withheld(rcpt_params, key, offered)) return fail(PathError::unknown_parameter);
    if (iequals(key, "NOTIFY")) {
      // NEVER alone, or a list of SUCCESS, FAILURE, DELAY (RFC 3461 §4.1).
      bool never = false, other = false;
      for (std::size_t from = 0; from <= value.size();) {  // every item, empty ones too
        const auto comma = std::min(value.find(',', from), value.size());
        const auto item = value.substr(from, comma - from);
        if (iequals(item, "NEVER"))
          never = true;
        else if (iequals(item, "SUCCESS") || iequals(item, "FAILURE") || iequals(item, "DELAY"))
          other = true;
        else
          return fail(PathError::bad_parameter);
        from = comma + 1;
      }
      if (value.empty() || (never && other)) return fail(PathError::bad_parameter);
      r.params.notify = value;
    } else if (iequals(key, "ORCPT")) {
      if (value.find(';') == std::string_view::npos || value.size() > 500)
        return fail(PathError::bad_parameter);
      r.params.orcpt = value;
    } else {
      return fail(PathError::unknown_parameter);
    }
    return true;
  });
  return r;
}

}  // namespace bounceback::smtp
