// Option parsing. Every option is a row in one table: its name (CLI "--name", config key
// "name") and how to apply a textual value, so the CLI and the config file cannot drift.
#include "app/options.hpp"

#include <toml++/toml.h>

#include <charconv>
#include <fstream>
#include <functional>
#include <sstream>

#include "api/request_guard.hpp"
#include "scenario/toml_nesting.hpp"
#include "scenario/units.hpp"

namespace bounceback::app {
namespace {

using Setter = std::function<void(Options&, const std::string&)>;

struct OptionRow {
  std::string_view name;
  Setter set;
};

template <typename T>
T number(const std::string& name, const std::string& v) {
  T out{};
  const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc{} || p != v.data() + v.size())
    throw UsageError("--" + name + ": expected a number, got '" + v + "'");
  return out;
}

std::chrono::milliseconds duration(const std::string& name, const std::string& v) {
  const auto d = scenario::parse_duration(v);
  if (!d) throw UsageError("--" + name + ": expected a duration like 30s or 5m, got '" + v + "'");
  return *d;
}

std::uint64_t size(const std::string& name, const std::string& v) {
  const auto s = scenario::parse_size(v);
  if (!s) throw UsageError("--" + name + ": expected a size like 10MiB, got '" + v + "'");
  return *s;
}

// --starttls: "on" is the session's "optional" (offered, not demanded).
smtp::Requirement starttls_mode(const std::string& v) {
  if (v == "off") return smtp::Requirement::off;
  if (v == "on") return smtp::Requirement::optional;
  if (v == "required") return smtp::Requirement::required;
  throw UsageError("--starttls: expected off, on or required, got '" + v + "'");
}

#define ROW(name, body)                              \
  OptionRow {                                        \
    name, [](Options & o, const std::string& v) body \
  }

const std::vector<OptionRow>& table() {
  static const std::vector<OptionRow> rows = {
      ROW("smtp", { o.smtp.push_back(v); }),
      ROW("smtps", { o.smtps.push_back(v); }),
      ROW("http", { o.http = v; }),
      ROW("scenario", { o.scenario = v; }),
      ROW("tls-cert", { o.tls_cert = v; }),
      ROW("tls-key", { o.tls_key = v; }),
      ROW("tls-min-version", { o.tls_min_version = v; }),
      ROW("tls-max-version", { o.tls_max_version = v; }),
      ROW("tls-ciphers", { o.tls_ciphers = v; }),
      ROW("tls-ciphersuites", { o.tls_ciphersuites = v; }),
      ROW("tls-export-cert", { o.tls_export_cert = v; }),
      ROW("starttls", { o.starttls = starttls_mode(v); }),
      ROW("received-header",
          {
            if (v != "on" && v != "off") throw UsageError("--received-header: expected on or off");
            o.received_header = v == "on";
          }),
      ROW("hostname", { o.hostname = v; }),
      ROW("store-dir", { o.store_dir = v; }),
      ROW("log-format",
          {
            if (v != "text" && v != "json") throw UsageError("--log-format: expected text or json");
            o.log_format = v;
          }),
      ROW("log-level", { o.log_level = v; }),
      ROW("api-token", { o.api_token = v; }),
      ROW("api-allowed-host",
          {
            const bool wildcard = v.starts_with("*.");
            if (v != "*" && !api::host_name_of(wildcard ? v.substr(2) : v))
              throw UsageError(
                  "--api-allowed-host: expected a host name like mx.example.test, got '" + v + "'");
            o.api_allowed_hosts.push_back(v);
          }),
      ROW("api-cors",
          {
            // An origin is scheme://host[:port], nothing after: anything else never matches.
            const auto rest = v.find("://");
            const bool origin = (v.starts_with("http://") || v.starts_with("https://")) &&
                                v.size() > rest + 3 && v.find('/', rest + 3) >= v.size() - 1;
            if (!origin && v != "*" && v != "null")
              throw UsageError("--api-cors: expected an origin like http://localhost:3000, got '" +
                               v + "'");
            o.api_cors.push_back(v);
          }),
      ROW("max-messages", { o.max_messages = number<std::size_t>("max-messages", v); }),
      ROW("max-sessions", { o.max_sessions = number<std::size_t>("max-sessions", v); }),
      ROW("max-session-bytes", { o.max_session_bytes = size("max-session-bytes", v); }),
      ROW("max-transcript-bytes", { o.max_transcript_bytes = size("max-transcript-bytes", v); }),
      ROW("max-connections", { o.max_connections = number<std::size_t>("max-connections", v); }),
      ROW("max-connections-per-ip",
          { o.max_connections_per_ip = number<std::size_t>("max-connections-per-ip", v); }),
      ROW("max-size", { o.limits.message_size = size("max-size", v); }),
      ROW("max-recipients", { o.limits.recipients = number<std::size_t>("max-recipients", v); }),
      ROW("max-line", { o.limits.command_line = number<std::size_t>("max-line", v); }),
      ROW("max-errors", { o.limits.hard_errors = number<unsigned>("max-errors", v); }),
      ROW("idle-timeout", { o.idle_timeout = duration("idle-timeout", v); }),
      ROW("session-timeout", { o.session_timeout = duration("session-timeout", v); }),
      ROW("shutdown-grace", { o.shutdown_grace = duration("shutdown-grace", v); }),
      ROW("threads", { o.threads = number<unsigned>("threads", v); }),
      ROW("bare-lf",
          {
            if (v == "normalize")
              o.bare_lf = smtp::BareLfPolicy::normalize;
            else if (v == "keep")
              o.bare_lf = smtp::BareLfPolicy::keep;
            else if (v == "reject")
              o.bare_lf = smtp::BareLfPolicy::reject;
            else if (v == "disconnect")
              o.bare_lf = smtp::BareLfPolicy::disconnect;
            else
              throw UsageError("--bare-lf: expected normalize, keep, reject or disconnect");
          }),
      ROW("improper-pipelining",
          {
            if (v != "allow" && v != "disconnect")
              throw UsageError("--improper-pipelining: expected allow or disconnect");
            o.forbid_improper_pipelining = v == "disconnect";
          }),
  };
  return rows;
}
#undef ROW

const OptionRow* find(std::string_view name) {
  for (const auto& row : table())
    if (row.name == name) return &row;
  return nullptr;
}

void load_config(Options& o, const std::string& path) {
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

}  // namespace

Options parse_serve_options(const std::vector<std::string>& args) {
  Options o;
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
  if (o.smtp.empty()) o.smtp.push_back("127.0.0.1:1025");
  return o;
}

const char* usage() {
  return R"(Usage:
  bounceback [serve] [options]   run the SMTP test double in the foreground
  bounceback check FILE...       validate scenario files
  bounceback explain CODE        explain a reply code: 550, 5.1.1, "550 5.7.26"
  bounceback scenarios [NAME]    list the built-in scenarios, or print one's TOML
  bounceback help [VERB]         this text, or one verb's usage (also: VERB --help)
  bounceback --version           print the version

serve options (also keys of a TOML file given with --config FILE):
  --smtp ADDR:PORT          plain SMTP listener, repeatable (default 127.0.0.1:1025)
  --smtps ADDR:PORT         implicit-TLS listener, repeatable
  --http ADDR:PORT          HTTP API listener (default 127.0.0.1:8025)
  --scenario FILE|NAME      scenario to load (default: accept everything)
  --starttls off|on|required  offer STARTTLS; required: 530 5.7.0 to MAIL before it
                            (default off; on when --tls-cert is given or the scenario's
                            [server] tls asks for it)
  --tls-cert F --tls-key F  PEM certificate and key (default: self-signed, generated)
  --tls-min-version V       lowest TLS version: 1.0, 1.1, 1.2, 1.3 (default 1.2)
  --tls-max-version V       highest TLS version (default: the highest OpenSSL offers)
  --tls-ciphers LIST        OpenSSL cipher list for TLS <= 1.2
  --tls-ciphersuites LIST   TLS 1.3 cipher suites
  --tls-export-cert FILE    write the certificate in use (PEM) to FILE, to trust it
  --hostname NAME           banner/EHLO name (default localhost)
  --store-dir DIR           also write accepted messages as DIR/<id>.eml, fsynced before 250
  --received-header on|off  prepend a Received: header to each stored message (default on)
  --max-messages N          in-memory capture bound, oldest dropped first (default 10000)
  --max-sessions N          session transcripts kept (default 1000)
  --max-session-bytes SIZE  bytes of all transcripts kept, oldest sessions dropped first (default 64MiB)
  --max-transcript-bytes SIZE  one session's transcript: its first and last lines (default 1MiB)
  --max-connections N       beyond it: 421 4.7.0 and close (default 10000)
  --max-connections-per-ip N  open connections per client address; beyond: 421 4.7.0 (default 0: off)
  --max-size SIZE           message size limit, advertised in SIZE (default 35MiB)
  --max-recipients N        recipients per message (default 100)
  --max-line N              command line length limit (default 512)
  --max-errors N            protocol errors before 421 4.7.0 and close (default 20)
  --idle-timeout DUR        silent client: 421 4.4.2 and close (default 5m)
  --session-timeout DUR     bound on a whole session (default 1h)
  --shutdown-grace DUR      on SIGTERM, time for sessions to finish (default 5s)
  --bare-lf POLICY          normalize|keep|reject|disconnect a bare LF (default normalize)
  --improper-pipelining P   allow|disconnect a client that does not wait for a reply it
                            must wait for, like Postfix smtpd_forbid_unauth_pipelining
  --threads N               I/O threads (default 1; 0 = one per core)
  --api-token TOKEN         require "Authorization: Bearer TOKEN" on the HTTP API
  --api-allowed-host NAME   also answer API requests with this Host, repeatable; "*.domain"
                            for subdomains, "*" for any (unsafe: no DNS rebinding defence)
  --api-cors ORIGIN         let web pages from ORIGIN (http://localhost:3000) call the API,
                            repeatable; "*" for any (unsafe)
  --log-format text|json    (default text)
  --log-level LEVEL         debug|info|warn|error (default info)
)";
}

}  // namespace bounceback::app
