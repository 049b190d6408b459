// Option parsing. Every option is a row in one table: its name (CLI "--name", config key
// "name"), the field of the Settings tree it sets, and how to read a textual value into it,
// so the CLI, the config file, --help and docs/settings.md cannot drift.
#include "app/options.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>

#include "api/request_guard.hpp"
#include "redis/state_script.hpp"
#include "scenario/toml_nesting.hpp"
#include "scenario/units.hpp"

namespace bounceback::app {
namespace {

struct OptionRow {
  std::string_view name, arg, unit, help;
  std::function<void(Settings&, const std::string&)> set;
  std::function<std::string(const Settings&)> show;  // the value, for the default column
  std::string_view group = {};                       // the heading it is listed under
};

template <typename T>
T number(std::string_view name, const std::string& v) {
  T out{};
  const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc{} || p != v.data() + v.size())
    throw UsageError("--" + std::string(name) + ": expected a number, got '" + v + "'");
  return out;
}

std::chrono::milliseconds duration(std::string_view name, const std::string& v) {
  const auto d = scenario::parse_duration(v);
  if (!d)
    throw UsageError("--" + std::string(name) + ": expected a duration like 30s or 5m, got '" + v +
                     "'");
  return *d;
}

std::uint64_t size(std::string_view name, const std::string& v) {
  const auto s = scenario::parse_size(v);
  if (!s)
    throw UsageError("--" + std::string(name) + ": expected a size like 10MiB, got '" + v + "'");
  return *s;
}

// The largest unit that divides the value: 35MiB, 12KiB, 1000B.
std::string show_size(std::uint64_t v) {
  static constexpr std::pair<std::uint64_t, const char*> units[] = {
      {1ULL << 30, "GiB"}, {1ULL << 20, "MiB"}, {1ULL << 10, "KiB"}};
  for (const auto& [factor, name] : units)
    if (v && v % factor == 0) return std::to_string(v / factor) + name;
  return std::to_string(v) + "B";
}

// The largest unit that divides the value: 7d, 5m, 30s, 50ms.
std::string show_duration(std::chrono::milliseconds d) {
  static constexpr std::pair<std::int64_t, const char*> units[] = {
      {86'400'000, "d"}, {3'600'000, "h"}, {60'000, "m"}, {1000, "s"}};
  const auto ms = d.count();
  for (const auto& [factor, name] : units)
    if (ms && ms % factor == 0) return std::to_string(ms / factor) + name;
  return std::to_string(ms) + "ms";
}

// Row makers: `field` is a lambda returning the Settings field (see AT below).
template <typename Field>
OptionRow count(std::string_view name, std::string_view help, Field field) {
  using T = std::remove_cvref_t<decltype(field(std::declval<Settings&>()))>;
  return {name,
          "N",
          "count",
          help,
          [=](Settings& s, const std::string& v) { field(s) = number<T>(name, v); },
          [=](const Settings& s) { return std::to_string(field(s)); }};
}

template <typename Field>
OptionRow bytes(std::string_view name, std::string_view help, Field field) {
  using T = std::remove_cvref_t<decltype(field(std::declval<Settings&>()))>;
  return {name,
          "SIZE",
          "bytes",
          help,
          [=](Settings& s, const std::string& v) {
            const auto n = size(name, v);
            if (n > std::numeric_limits<T>::max())
              throw UsageError("--" + std::string(name) + ": at most " +
                               show_size(std::numeric_limits<T>::max()));
            field(s) = static_cast<T>(n);
          },
          [=](const Settings& s) { return show_size(field(s)); }};
}

template <typename Field>
OptionRow time(std::string_view name, std::string_view help, Field field) {
  return {name,
          "DUR",
          "duration",
          help,
          [=](Settings& s, const std::string& v) { field(s) = duration(name, v); },
          [=](const Settings& s) { return show_duration(field(s)); }};
}

// Text that `check` accepts (it throws UsageError otherwise).
template <typename Field, typename Check>
OptionRow checked_text(std::string_view name, std::string_view arg, std::string_view help,
                       Field field, Check check) {
  return {name,
          arg,
          "text",
          help,
          [=](Settings& s, const std::string& v) {
            check(v);
            field(s) = v;
          },
          [=](const Settings& s) { return std::string(field(s)); }};
}

template <typename Field>
OptionRow text(std::string_view name, std::string_view arg, std::string_view help, Field field) {
  return checked_text(name, arg, help, field, [](const std::string&) {});
}

void state_url(const std::string& v) {
  std::string error;
  if (!v.empty() && !redis::parse_url(v, error))
    throw UsageError("--state: " + error + ", got '" + v + "'");
}

void state_prefix(const std::string& v) {
  // KEYS PREFIX* clears the deployment's keys: a pattern character would reach others'.
  if (v.empty() || v.find_first_of("*?[]\\") != std::string::npos || v.size() > 64)
    throw UsageError("--state-prefix: 1 to 64 characters, none of * ? [ ] \\, got '" + v + "'");
}

// Repeatable: each value is appended. `check` throws UsageError on a bad one.
template <typename Field, typename Check>
OptionRow list(std::string_view name, std::string_view arg, std::string_view help, Field field,
               Check check) {
  return {name,
          arg,
          "list",
          help,
          [=](Settings& s, const std::string& v) {
            check(v);
            field(s).push_back(v);
          },
          [=](const Settings& s) {
            std::string out;
            for (const auto& v : field(s)) out += (out.empty() ? "" : " ") + v;
            return out;
          }};
}

// Repeatable addresses or CIDRs ("10.0.0.0/8", "::1"), into a proxy::Sources.
template <typename Field>
OptionRow networks(std::string_view name, std::string_view help, Field field) {
  return {name,
          "CIDR",
          "list",
          help,
          [=](Settings& s, const std::string& v) {
            if (!field(s).add(v))
              throw UsageError("--" + std::string(name) +
                               ": expected an address or CIDR like 10.0.0.0/8, got '" + v + "'");
          },
          [=](const Settings& s) { return field(s).text(); }};
}

// One of a few words, each standing for a value of the field.
template <typename T, typename Field>
OptionRow choice(std::string_view name, std::string_view arg, std::string_view help, Field field,
                 std::vector<std::pair<std::string_view, T>> words) {
  return {
      name,
      arg,
      "choice",
      help,
      [=](Settings& s, const std::string& v) {
        for (const auto& [word, value] : words)
          if (word == v) {
            field(s) = value;
            return;
          }
        std::string expected;
        for (std::size_t i = 0; i < words.size(); ++i)
          expected += std::string(i == 0                  ? ""
                                  : i + 1 == words.size() ? " or "
                                                          : ", ") +
                      std::string(words[i].first);
        throw UsageError("--" + std::string(name) + ": expected " + expected + ", got '" + v + "'");
      },
      [=](const Settings& s) {
        for (const auto& [word, value] : words)
          if (field(s) == value) return std::string(word);
        return std::string();
      }};
}

void any_value(const std::string&) {}

// --state-share: a comma-separated list of tables, capture and attempts, none twice.
OptionRow state_share() {
  static constexpr std::string_view words[] = {"tables", "capture", "attempts"};
  const auto flags = [](StateSettings& s) {
    return std::array<bool*, 3>{&s.share_tables, &s.share_capture, &s.share_attempts};
  };
  return {
      "state-share",
      "LIST",
      "list",
      "with --state, what the replicas share through Redis, comma-separated: tables (greylist, "
      "attempt counters, quotas, rate windows), capture (every replica lists every message), "
      "attempts (the attempt log); tables alone keeps stateless rules' cost as without "
      "--state",
      [=](Settings& s, const std::string& v) {
        const auto set = flags(s.state);
        for (bool* f : set) *f = false;
        std::string_view rest = v;
        while (true) {
          const auto comma = rest.find(',');
          const auto word = rest.substr(0, comma);
          const auto at = std::find(std::begin(words), std::end(words), word);
          if (at == std::end(words) || *set[at - std::begin(words)])
            throw UsageError(
                "--state-share: expected a list of tables, capture and attempts (each once), "
                "got '" +
                v + "'");
          *set[at - std::begin(words)] = true;
          if (comma == std::string_view::npos) break;
          rest.remove_prefix(comma + 1);
        }
      },
      [](const Settings& s) {
        const bool set[] = {s.state.share_tables, s.state.share_capture, s.state.share_attempts};
        std::string out;
        for (std::size_t i = 0; i < std::size(set); ++i)
          if (set[i]) out += (out.empty() ? "" : ",") + std::string(words[i]);
        return out;
      }};
}

void allowed_host(const std::string& v) {
  const bool wildcard = v.starts_with("*.");
  if (v != "*" && !api::host_name_of(wildcard ? v.substr(2) : v))
    throw UsageError("--api-allowed-host: expected a host name like mx.example.test, got '" + v +
                     "'");
}

void cors_origin(const std::string& v) {
  // An origin is scheme://host[:port], nothing after: anything else never matches.
  const auto rest = v.find("://");
  const bool origin = (v.starts_with("http://") || v.starts_with("https://")) &&
                      v.size() > rest + 3 && v.find('/', rest + 3) >= v.size() - 1;
  if (!origin && v != "*" && v != "null")
    throw UsageError("--api-cors: expected an origin like http://localhost:3000, got '" + v + "'");
}

// The rows of each group, in order, with their group's title set.
std::vector<OptionRow> grouped(
    std::initializer_list<std::pair<std::string_view, std::vector<OptionRow>>> groups) {
  std::vector<OptionRow> rows;
  for (const auto& [title, members] : groups)
    for (auto row : members) {
      row.group = title;
      rows.push_back(std::move(row));
    }
  return rows;
}

// The field of Settings a row sets, for both a Settings& and a const Settings&.
#define AT(path)         \
  [](auto& s) -> auto& { \
    return s.path;       \
  }

const std::vector<OptionRow>& table() {
  using smtp::BareLfPolicy;
  using smtp::Requirement;
  static const std::vector<OptionRow> rows = grouped({
      {"Listeners and scenario",
       {
           list("smtp", "ADDR:PORT", "plain SMTP listener, repeatable", AT(listen.smtp), any_value),
           list("smtps", "ADDR:PORT", "implicit-TLS listener (SMTPS, RFC 8314), repeatable",
                AT(listen.smtps), any_value),
           list("lmtp", "ADDR:PORT|PATH",
                "LMTP listener (RFC 2033): ADDR:PORT, or a UNIX socket path (with a '/'), "
                "repeatable",
                AT(listen.lmtp), any_value),
           text("http", "ADDR:PORT", "HTTP API listener", AT(listen.http)),
           text("scenario", "FILE|NAME", "scenario to load (none: accept everything)",
                AT(scenario)),
       }},
      {"TLS",
       {
           choice<std::optional<Requirement>>(
               "starttls", "off|on|required",
               "offer STARTTLS; required: 530 5.7.0 to MAIL before it (unset: off, or on when "
               "--tls-cert is given or the scenario's [server] tls asks for it)",
               AT(smtp.starttls),
               {{"off", Requirement::off},
                {"on", Requirement::optional},
                {"required", Requirement::required}}),
           text("tls-cert", "FILE", "PEM certificate (none: self-signed, generated at start)",
                AT(tls.cert_file)),
           text("tls-key", "FILE", "PEM key of --tls-cert", AT(tls.key_file)),
           text("tls-min-version", "V", "lowest TLS version: 1.0, 1.1, 1.2, 1.3",
                AT(tls.min_version)),
           text("tls-max-version", "V", "highest TLS version (none: the highest OpenSSL offers)",
                AT(tls.max_version)),
           text("tls-ciphers", "LIST", "OpenSSL cipher list for TLS <= 1.2", AT(tls.ciphers)),
           text("tls-ciphersuites", "LIST", "TLS 1.3 cipher suites", AT(tls.ciphersuites)),
           text("tls-export-cert", "FILE",
                "write the certificate in use (PEM) to FILE, to trust it", AT(tls_export_cert)),
           time("tls-handshake-timeout", "a TLS handshake (SMTPS, STARTTLS); beyond: close",
                AT(net.handshake_timeout)),
       }},
      {"SMTP",
       {
           text("hostname", "NAME", "banner, EHLO and Received name", AT(smtp.hostname)),
           bytes("max-size", "message size, advertised in SIZE (RFC 1870); beyond: 552 5.3.4",
                 AT(smtp.limits.message_size)),
           count("max-recipients",
                 "recipients per message; beyond: 452 4.5.3 (RFC 5321 §4.5.3.1.8)",
                 AT(smtp.limits.recipients)),
           count("max-line",
                 "command line length with CRLF; beyond: 500 5.5.2 (RFC 5321 §4.5.3.1.4)",
                 AT(smtp.limits.command_line)),
           count("max-auth-line", "AUTH and SASL response line length (RFC 4954 §4)",
                 AT(smtp.limits.auth_line)),
           count("max-errors", "protocol errors before 421 4.7.0 and close (Postfix's 20)",
                 AT(smtp.limits.hard_errors)),
           count("max-commands", "commands in one session, then 421 4.7.0 and close",
                 AT(smtp.limits.commands_per_session)),
           count("max-messages-per-session", "messages in one session, then 421 4.7.0 and close",
                 AT(smtp.limits.messages_per_session)),
           choice<BareLfPolicy>(
               "bare-lf", "POLICY",
               "normalize|keep|reject|disconnect a bare LF (only CRLF.CRLF ends DATA)",
               AT(smtp.bare_lf),
               {{"normalize", BareLfPolicy::normalize},
                {"keep", BareLfPolicy::keep},
                {"reject", BareLfPolicy::reject},
                {"disconnect", BareLfPolicy::disconnect}}),
           choice<bool>("improper-pipelining", "allow|disconnect",
                        "disconnect a client that does not wait for a reply it must wait for, like "
                        "Postfix smtpd_forbid_unauth_pipelining",
                        AT(smtp.forbid_improper_pipelining),
                        {{"allow", false}, {"disconnect", true}}),
       }},
      {"Connections",
       {
           count("max-connections", "open SMTP connections; beyond: 421 4.7.0 and close",
                 AT(net.max_connections)),
           count("max-connections-per-ip",
                 "open SMTP connections per client address; beyond: 421 4.7.0 (0: off)",
                 AT(net.max_connections_per_ip)),
           time("idle-timeout", "silent client: 421 4.4.2 and close (RFC 5321 §4.5.3.2.7)",
                AT(net.idle_timeout)),
           time("session-timeout", "bound on a whole session: 421 4.4.2 and close",
                AT(net.session_timeout)),
           time("shutdown-grace", "on SIGTERM, time for sessions to finish, then 421 4.3.2",
                AT(net.shutdown_grace)),
           time("last-words",
                "bound on a closing connection's last reply (421) and TLS close_notify, then close",
                AT(net.last_words)),
           bytes("read-buffer", "read buffer per SMTP connection, allocated once the client sends",
                 AT(net.read_buffer)),
           time("accept-backoff", "a listener's pause after a failed accept (out of descriptors)",
                AT(net.accept_backoff)),
           count("threads", "I/O threads, one event loop each (0: one per core)", AT(net.threads)),
       }},
      {"Behind a load balancer",
       {
           choice<bool>("proxy-protocol", "off|on",
                        "SMTP, SMTPS and LMTP connections begin with a PROXY header (HAProxy v1 "
                        "or v2) naming the real client; without a valid one: closed, no banner",
                        AT(net.proxy_protocol), {{"off", false}, {"on", true}}),
           networks("proxy-from",
                    "with --proxy-protocol on, only these peers send a PROXY header (others are "
                    "served as themselves), repeatable (none: every peer must)",
                    AT(net.proxy_from)),
           time("proxy-timeout", "a PROXY header not complete within it: closed, no banner",
                AT(net.proxy_timeout)),
           choice<bool>("reuse-port", "off|on",
                        "SO_REUSEPORT on the SMTP, SMTPS and LMTP ports: several processes "
                        "(each with it on) share a port",
                        AT(net.reuse_port), {{"off", false}, {"on", true}}),
           checked_text("state", "redis://HOST:PORT[/DB]",
                        "keep greylist, attempt counters, quotas and rate windows in Redis, "
                        "shared by every replica given the same URL and prefix (empty: in memory)",
                        AT(state.url), state_url),
           checked_text("state-prefix", "TEXT",
                        "the start of every --state key: one per deployment sharing a Redis",
                        AT(state.prefix), state_prefix),
           choice<scenario::StateFailure>(
               "state-failure", "open|closed",
               "Redis down or slower than --state-timeout: open decides from this replica's "
               "memory, as without --state; closed answers 451 4.3.0",
               AT(state.failure),
               {{"open", scenario::StateFailure::open},
                {"closed", scenario::StateFailure::closed}}),
           time("state-timeout", "bound on one Redis round trip; past it, --state-failure decides",
                AT(state.timeout)),
           bytes("state-capture-max-size",
                 "with --state, every replica lists the messages up to this size that any "
                 "replica captured; a bigger one only the replica that captured it",
                 AT(state.capture_max_size)),
           state_share(),
       }},
      {"Capture",
       {
           text("return-relay", "HOST:PORT",
                "also deliver generated DSNs, auto-replies and complaints there over SMTP",
                AT(net.return_relay)),
           choice<net::RelayTls>(
               "return-relay-tls", "none|may|encrypt|verify",
               "STARTTLS to --return-relay: may uses it when offered; encrypt requires it; verify "
               "also checks the certificate (certificates are not checked otherwise)",
               AT(net.return_relay_tls),
               {{"none", net::RelayTls::none},
                {"may", net::RelayTls::may},
                {"encrypt", net::RelayTls::encrypt},
                {"verify", net::RelayTls::verify}}),
           text("return-relay-ca", "FILE",
                "PEM CA certificates that --return-relay-tls verify trusts (none: the system's)",
                AT(net.return_relay_ca)),
           text("store-dir", "DIR",
                "also write accepted messages as DIR/<id>.eml, on disk before 250", AT(store.dir)),
           count("store-threads",
                 "--store-dir writer threads: group commits (flushes) in flight at once",
                 AT(store.threads)),
           choice<bool>("store-poll", "on|off",
                        "spin at idle priority while --store-dir waits for the disk (VMs whose "
                        "idle vCPUs wake slowly)",
                        AT(store.poll), {{"on", true}, {"off", false}}),
           choice<bool>("received-header", "on|off",
                        "prepend a Received: header to each stored message (RFC 5321 §4.4)",
                        AT(store.received_header), {{"on", true}, {"off", false}}),
           count("max-messages", "in-memory capture bound, oldest dropped first",
                 AT(store.max_messages)),
           bytes("max-store-bytes", "in-memory capture bound in bytes, oldest dropped first",
                 AT(store.max_bytes)),
           count("max-sessions", "session transcripts kept", AT(store.sessions.sessions)),
           bytes("max-session-bytes",
                 "bytes of all transcripts kept, oldest sessions dropped first",
                 AT(store.sessions.total_bytes)),
           bytes("max-transcript-bytes", "one session's transcript: its first and last lines",
                 AT(store.sessions.session_bytes)),
           bytes("max-transcript-line",
                 "a transcript line, cut beyond with a marker (RFC 5321 §4.5.3.1.6: 1000)",
                 AT(store.sessions.line_bytes)),
       }},
      {"Scenario state",
       {
           count("max-greylist-entries", "greylist triplets kept; the oldest evicted beyond",
                 AT(engine.greylist_entries)),
           count("max-attempt-entries", "attempt counters kept; the oldest evicted beyond",
                 AT(engine.attempt_entries)),
           count("max-quota-entries", "quota counters kept; the oldest evicted beyond",
                 AT(engine.quota_entries)),
           count("max-rate-entries", "rate_limit windows kept; the oldest evicted beyond",
                 AT(engine.rate_entries)),
           count("max-attempt-log", "RCPT attempts kept for /api/v1/attempts, oldest dropped",
                 AT(engine.attempt_log_records)),
           time("attempts-expire", "an attempt counter unused this long is forgotten",
                AT(engine.attempts_expire)),
           time("quota-expire", "a quota counter unused this long is forgotten",
                AT(engine.quota_expire)),
       }},
      {"HTTP API",
       {
           text("api-token", "TOKEN", "require \"Authorization: Bearer TOKEN\" on the HTTP API",
                AT(api.token)),
           count("api-nice",
                 "the API's thread runs this much nicer (0-19): busy cores serve SMTP first",
                 AT(api.nice)),
           choice<bool>("api-sched-idle", "on|off",
                        "run the API's thread at SCHED_IDLE: only on CPU SMTP leaves idle; on "
                        "saturated cores API answers may wait seconds",
                        AT(api.sched_idle), {{"on", true}, {"off", false}}),
           list("api-allowed-host", "NAME",
                "also answer API requests with this Host, repeatable; \"*.domain\" for subdomains, "
                "\"*\" for any (unsafe: no DNS rebinding defence)",
                AT(api.guard.allowed_hosts), allowed_host),
           list("api-cors", "ORIGIN",
                "let web pages from ORIGIN (http://localhost:3000) call the API, repeatable; \"*\" "
                "for any (unsafe)",
                AT(api.guard.cors_origins), cors_origin),
           bytes("api-max-header", "HTTP request header; beyond: 431", AT(api.http.header_bytes)),
           bytes("api-max-body", "HTTP request body; beyond: 413", AT(api.http.body_bytes)),
           time("api-idle-timeout", "HTTP connection waiting for a request; beyond: closed",
                AT(api.http.idle)),
           time("api-io-timeout", "HTTP body read or response write; beyond: closed",
                AT(api.http.io)),
           time("api-heartbeat", "comment line on a quiet event stream (SSE)",
                AT(api.http.heartbeat)),
           count("api-event-backlog", "SSE events queued for a slow client; beyond: closed",
                 AT(api.http.event_backlog)),
           count("api-max-connections", "HTTP connections; beyond: 503 but for /healthz, /metrics",
                 AT(api.http.max_connections)),
           count("api-reserved-connections",
                 "more HTTP connections, for /healthz and /metrics only",
                 AT(api.http.reserved_connections)),
           time("api-reserve-idle-timeout", "idle limit of those reserved connections",
                AT(api.http.reserve_idle)),
           time("api-max-wait", "longest ?timeout= of a long-poll (GET /api/v1/messages/wait)",
                AT(api.routes.max_wait)),
           count("api-max-messages-page", "largest limit= of a message list page",
                 AT(api.routes.messages_page.max_limit)),
           count("api-max-sessions-page", "largest limit= of a session list page (transcripts)",
                 AT(api.routes.sessions_page.max_limit)),
           count("api-max-attempts-page", "largest limit= of an attempt list page",
                 AT(api.routes.attempts_page.max_limit)),
           bytes("api-list-transcript-bytes",
                 "one transcript in a session list (first and last lines); whole in /sessions/ID",
                 AT(api.routes.list_transcript_bytes)),
           count("api-scan-budget",
                 "messages one search or subject=/glob list reads; beyond: a partial page",
                 AT(api.routes.scan.messages)),
       }},
      {"Logs",
       {
           choice<std::string>("log-format", "text|json", "log line format", AT(log.format),
                               {{"text", "text"}, {"json", "json"}}),
           text("log-level", "LEVEL", "debug|info|warn|error", AT(log.level)),
       }},
  });
  return rows;
}
#undef AT

const OptionRow* find(std::string_view name) {
  for (const auto& row : table())
    if (row.name == name) return &row;
  return nullptr;
}

void load_config(Settings& o, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError(path + ": cannot open the file");
  std::ostringstream text;
  text << in.rdbuf();
  // toml++ recurses once per nesting level: bound the nesting before it sees the text.
  if (const auto deep = scenario::find_excess_nesting(text.view())) {
    std::ostringstream msg;
    msg << path << ':' << deep->line << ':' << deep->column << ": " << deep->message;
    throw UsageError(msg.str());
  }
  toml::table config;
  try {
    config = toml::parse(text.view(), path);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << path << ':' << e.source().begin.line << ':' << e.source().begin.column << ": "
        << e.description();
    throw UsageError(msg.str());
  }
  for (const auto& [key, node] : config) {
    const auto where = [&, &key = key, &node = node] {
      std::ostringstream msg;
      msg << path << ':' << node.source().begin.line << ':' << node.source().begin.column << ": "
          << key.str();
      return msg.str();
    };
    const OptionRow* row = find(key.str());
    if (!row) throw UsageError(where() + ": unknown option");
    auto apply = [&](const toml::node& value) {
      if (value.is_string())
        row->set(o, value.as_string()->get());
      else if (value.is_integer())
        row->set(o, std::to_string(value.as_integer()->get()));
      else
        throw UsageError(where() + ": expected a string or a number");
    };
    try {
      if (const auto* list = node.as_array())
        for (const auto& item : *list) apply(item);
      else
        apply(node);
    } catch (const UsageError& e) {
      const std::string what = e.what();
      if (what.starts_with(path)) throw;
      throw UsageError(where() + ": " + what);
    }
  }
}

// Bounds that depend on each other.
void check(const Settings& s) {
  const auto longest = std::max(s.smtp.limits.command_line, s.smtp.limits.auth_line);
  if (s.net.read_buffer <= longest)
    throw UsageError("--read-buffer: must be larger than --max-line and --max-auth-line (" +
                     std::to_string(longest) + ")");
  // Allocated per connection, or started at once: a typo must not exhaust memory or threads.
  if (s.net.read_buffer > 64 * 1024 * 1024) throw UsageError("--read-buffer: at most 64MiB");
  if (s.store.threads == 0 || s.store.threads > 1024)
    throw UsageError("--store-threads: from 1 to 1024");
  if (s.api.nice > 19) throw UsageError("--api-nice: from 0 to 19");
  if (!s.net.proxy_from.empty() && !s.net.proxy_protocol)
    throw UsageError("--proxy-from: needs --proxy-protocol on");
  if (s.api.http.header_bytes > std::numeric_limits<std::uint32_t>::max())
    throw UsageError("--api-max-header: at most 4GiB");
}

}  // namespace

std::vector<OptionDoc> option_docs() {
  const Settings defaults;
  std::vector<OptionDoc> docs;
  for (const auto& row : table()) {
    std::string shown = row.show(defaults);
    if (row.name == "smtp") shown = "127.0.0.1:1025";  // filled in after parsing, if none
    docs.push_back({row.group, row.name, row.arg, row.unit, row.help, std::move(shown)});
  }
  return docs;
}

Settings parse_serve_options(const std::vector<std::string>& args) {
  Settings o;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string name = args[i];
    if (!name.starts_with("--")) throw UsageError("unexpected argument '" + name + "'");
    name.erase(0, 2);
    std::string value;
    bool has_value = false;
    if (const auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
      has_value = true;
    }
    const OptionRow* row = name == "config" ? nullptr : find(name);
    if (!row && name != "config") throw UsageError("unknown option --" + name);
    if (!has_value) {
      if (i + 1 >= args.size()) throw UsageError("--" + name + " needs a value");
      value = args[++i];
    }
    if (name == "config")
      load_config(o, value);
    else
      row->set(o, value);
  }
  if (o.listen.smtp.empty()) o.listen.smtp.push_back("127.0.0.1:1025");
  check(o);
  return o;
}

}  // namespace bounceback::app
