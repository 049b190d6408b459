// SMTP AUTH (RFC 4954) as pure SASL: the mechanism table, base64, and one exchange's state
// machine for PLAIN (RFC 4616), LOGIN, CRAM-MD5 (RFC 2195) and XOAUTH2. Checking secrets is
// injected (Authenticator) so this library needs no crypto.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bounceback::smtp::auth {

enum class Mechanism : std::uint8_t { plain, login, cram_md5, xoauth2 };

struct MechanismInfo {
  std::string_view name;
  Mechanism mechanism;
  bool initial_response;  // the client may send a response with the AUTH command
};

// In the order advertised in EHLO.
inline constexpr std::array<MechanismInfo, 4> mechanisms{{
    {"PLAIN", Mechanism::plain, true},         // RFC 4616
    {"LOGIN", Mechanism::login, true},         // draft-murchison-sasl-login (username first)
    {"CRAM-MD5", Mechanism::cram_md5, false},  // RFC 2195
    {"XOAUTH2", Mechanism::xoauth2, true},     // Google/Microsoft OAuth 2.0 bearer tokens
}};

// "PLAIN LOGIN CRAM-MD5 XOAUTH2", for the EHLO AUTH line.
std::string advertised();
std::optional<Mechanism> parse_mechanism(std::string_view name);  // case-insensitive
std::string_view to_string(Mechanism m);

// What the client proved, once the exchange has all its responses.
struct Credentials {
  Mechanism mechanism = Mechanism::plain;
  std::string authzid;    // PLAIN's authorization identity, often empty
  std::string user;       // the authentication identity
  std::string secret;     // password (PLAIN, LOGIN), bearer token (XOAUTH2), hex digest (CRAM-MD5)
  std::string challenge;  // CRAM-MD5: the challenge the digest answers
};

// Checks credentials against an account table. Implemented outside the pure library
// (CRAM-MD5 needs HMAC-MD5). Called from many sessions at once: thread-safe.
class Authenticator {
 public:
  virtual ~Authenticator() = default;
  virtual bool verify(const Credentials& credentials) const = 0;
};

// If `line` is an AUTH command carrying an initial response, the length of the part that may
// be shown ("AUTH PLAIN"); else line.size(). Transcripts show the rest as "****".
std::size_t shown_prefix(std::string_view line);

// One AUTH exchange: start() with the AUTH command's argument, then respond() to each client
// line until the status is no longer `challenge`.
class Exchange {
 public:
  enum class Status : std::uint8_t {
    challenge,   // send "334 " + Step::challenge and read one more line
    done,        // credentials() is complete: verify them
    cancelled,   // the client sent "*" (501 5.0.0)
    bad_base64,  // (501 5.5.2)
    malformed,   // decoded, but not what the mechanism expects (535 5.7.8)
    failed,      // after reject(): the client acknowledged XOAUTH2's error (535 5.7.8)
  };
  struct Step {
    Status status;
    std::string challenge;  // base64, for Status::challenge
  };

  // `cram_challenge` ("<unique@host>") is used by CRAM-MD5 only.
  explicit Exchange(Mechanism mechanism, std::string cram_challenge = {});

  // `initial`: the initial response, if the AUTH command had one ("=" is an empty one).
  Step start(std::optional<std::string_view> initial);
  Step respond(std::string_view line);
  // The credentials did not verify. XOAUTH2 first sends an error challenge (its client
  // answers with an empty line, then gets 535); the other mechanisms fail at once.
  Step reject();

  const Credentials& credentials() const { return credentials_; }
  Mechanism mechanism() const { return credentials_.mechanism; }

 private:
  enum class State : std::uint8_t { response, login_user, login_password, error_ack, finished };
  Step take(std::string_view decoded);
  Step finish(Status s);
  Step ask(State next, std::string_view prompt);

  State state_ = State::response;
  Credentials credentials_;
};

}  // namespace bounceback::smtp::auth
