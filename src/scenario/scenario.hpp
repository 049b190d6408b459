// A loaded scenario: metadata, the [server] settings the server reads, the ordered rules and
// their index by event kind. Immutable once loaded; shared by every session.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "scenario/body_regexes.hpp"
#include "scenario/rule.hpp"
#include "scenario/rule_index.hpp"
#include "scenario/success_replies.hpp"
#include "smtp/session.hpp"

namespace bounceback::scenario {

// The session's own enum, so the server copies [server] settings without translating.
using Requirement = smtp::Requirement;

// [server] certificate: the certificate the server presents. Only named here; the server
// generates the faulty ones (net/tls_context).
enum class Certificate { valid, self_signed, expired, not_yet_valid, wrong_host };

// [server] tls_handshake: how the server meets a TLS ClientHello. `abort` answers a fatal
// handshake_failure alert, `close` closes the connection without a word.
enum class TlsHandshake { normal, abort, close };

// The [server] table. Unset fields leave the server's own configuration in force.
struct ServerSettings {
  std::optional<std::string> hostname;
  std::optional<std::string> banner;  // text after "220 hostname " in the greeting
  std::optional<std::uint64_t> max_size;
  std::optional<std::uint64_t> max_recipients;
  std::optional<Requirement> auth;
  std::optional<Requirement> tls;
  std::optional<Certificate> certificate;
  std::optional<TlsHandshake> tls_handshake;
  std::optional<std::map<std::string, std::string>> users;  // unset: any credentials pass
  // The EHLO capability list in the order advertised; what it leaves out the server does not
  // do (smtp/extensions.hpp). Unset: the server's own list.
  std::optional<std::vector<smtp::Extension>> extensions;
  // The provider's wording of its positive replies, by step; unset steps keep the server's own.
  SuccessReplies replies;
  std::string reply_domain = "reply.test";  // "" turns address-encoded replies off
  // Whose wording the DSNs take (Postfix, Gmail, Microsoft), and whether a recipient whose
  // NOTIFY asks for SUCCESS gets a "delivered" DSN (RFC 3461) without a rule saying so.
  report::Style dsn_style = report::Style::postfix;
  bool success_dsn = true;
};

struct Scenario {
  std::string name;
  std::string description;
  std::string origin;  // file path, or "builtin:NAME"
  std::string source;  // the TOML text, as served by GET /api/v1/scenario
  std::uint64_t seed = 0;
  bool seed_given = false;  // false: drawn at load time
  ServerSettings server;
  std::vector<Rule> rules;

  // Rule indexes per event kind, in file order (an event no rule listens to costs nothing).
  std::array<std::vector<std::uint32_t>, smtp::event_kind_count> by_event;
  // The same rules filed by the literal domain of their address pattern: what decide() walks.
  std::array<RuleIndex, smtp::event_kind_count> by_domain;
  // The rules' `re:` body patterns, searched in one pass over a message's body.
  BodyRegexes body_regexes;
  // Whether any rule for this event touches a stateful table (else no lock is taken).
  std::array<bool, smtp::event_kind_count> stateful_event{};
  bool has_quota = false;           // bytes accepted per recipient are tracked
  bool counts_connections = false;  // a connect rule uses `attempts`

  // Fills by_event, by_domain, body_regexes, stateful_event and the flags from `rules`.
  void build_index();
};

}  // namespace bounceback::scenario
