// SASL mechanisms for SMTP AUTH: the exchange state machine (see auth.hpp).
#include "smtp/auth.hpp"

#include <algorithm>
#include <cctype>

#include "smtp/base64.hpp"
#include "smtp/command.hpp"

namespace bounceback::smtp::auth {
namespace {

// Splits on the first `sep`; false when absent.
bool split(std::string_view s, char sep, std::string_view& head, std::string_view& tail) {
  const auto at = s.find(sep);
  if (at == std::string_view::npos) return false;
  head = s.substr(0, at);
  tail = s.substr(at + 1);
  return true;
}

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

// XOAUTH2's failure challenge, as Gmail sends it.
constexpr std::string_view xoauth2_error =
    R"({"status":"401","schemes":"bearer","scope":"https://mail.google.com/"})";

}  // namespace

std::string advertised() {
  std::string out;
  for (const auto& m : mechanisms) {
    if (!out.empty()) out += ' ';
    out += m.name;
  }
  return out;
}

std::optional<Mechanism> parse_mechanism(std::string_view name) {
  for (const auto& m : mechanisms)
    if (iequals(name, m.name)) return m.mechanism;
  return std::nullopt;
}

std::string_view to_string(Mechanism m) {
  return mechanisms[static_cast<std::size_t>(m)].name;
}

std::size_t shown_prefix(std::string_view line) {
  if (!istarts_with(line, "AUTH ")) return line.size();
  const auto mech_end = line.find(' ', 5);
  return mech_end == std::string_view::npos ? line.size() : mech_end;
}

Exchange::Exchange(Mechanism mechanism, std::string cram_challenge) {
  credentials_.mechanism = mechanism;
  credentials_.challenge = std::move(cram_challenge);
}

Exchange::Step Exchange::finish(Status s) {
  state_ = State::finished;
  return {s, {}};
}

Exchange::Step Exchange::ask(State next, std::string_view prompt) {
  state_ = next;
  return {Status::challenge, base64_encode(prompt)};
}

Exchange::Step Exchange::start(std::optional<std::string_view> initial) {
  const auto m = credentials_.mechanism;
  if (initial && !mechanisms[static_cast<std::size_t>(m)].initial_response)
    return finish(Status::malformed);
  if (m == Mechanism::login) {
    if (!initial) return ask(State::login_user, "Username:");
    state_ = State::login_user;
    return respond(*initial);
  }
  if (m == Mechanism::cram_md5) return ask(State::response, credentials_.challenge);
  if (!initial) return ask(State::response, "");  // "334 " then the client's response
  // RFC 4954 §4: "=" is an initial response of zero length.
  return respond(*initial == "=" ? std::string_view{} : *initial);
}

Exchange::Step Exchange::respond(std::string_view line) {
  if (state_ == State::finished) return {Status::malformed, {}};
  if (state_ == State::error_ack) return finish(Status::failed);  // any line, usually empty
  if (line == "*") return finish(Status::cancelled);              // RFC 4954 §4
  auto decoded = base64_decode(line);
  if (!decoded) return finish(Status::bad_base64);
  return take(*decoded);
}

Exchange::Step Exchange::take(std::string_view d) {
  auto& c = credentials_;
  switch (c.mechanism) {
    case Mechanism::plain: {
      // [authzid] NUL authcid NUL passwd (RFC 4616 §2)
      std::string_view authzid, rest, user, password;
      if (!split(d, '\0', authzid, rest) || !split(rest, '\0', user, password) || user.empty() ||
          password.find('\0') != std::string_view::npos)
        return finish(Status::malformed);
      c.authzid = authzid;
      c.user = user;
      c.secret = password;
      return finish(Status::done);
    }
    case Mechanism::login:
      if (state_ == State::login_user) {
        if (d.empty()) return finish(Status::malformed);
        c.user = d;
        return ask(State::login_password, "Password:");
      }
      c.secret = d;
      return finish(Status::done);
    case Mechanism::cram_md5: {
      // "user SP digest", the digest 32 hex digits (RFC 2195 §2)
      const auto sp = d.rfind(' ');
      if (sp == std::string_view::npos || sp == 0) return finish(Status::malformed);
      std::string digest(d.substr(sp + 1));
      std::transform(digest.begin(), digest.end(), digest.begin(),
                     [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
      if (digest.size() != 32 || digest.find_first_not_of("0123456789abcdef") != std::string::npos)
        return finish(Status::malformed);
      c.user = d.substr(0, sp);
      c.secret = std::move(digest);
      return finish(Status::done);
    }
    case Mechanism::xoauth2: {
      // "user=" user ^A "auth=Bearer " token ^A ^A
      std::string_view rest = d, field;
      while (split(rest, '\x01', field, rest)) {
        if (istarts_with(field, "user="))
          c.user = field.substr(5);
        else if (istarts_with(field, "auth=Bearer "))
          c.secret = field.substr(12);
      }
      if (c.user.empty() || c.secret.empty()) return finish(Status::malformed);
      return finish(Status::done);
    }
  }
  return finish(Status::malformed);
}

Exchange::Step Exchange::reject() {
  if (credentials_.mechanism == Mechanism::xoauth2 && state_ == State::finished)
    return ask(State::error_ack, xoauth2_error);
  return finish(Status::failed);
}

}  // namespace bounceback::smtp::auth
