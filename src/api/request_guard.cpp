// The Host, Origin and CORS rules of the API (see request_guard.hpp and docs/security.md).
#include "api/request_guard.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "api/router.hpp"

namespace bounceback::api {
namespace {

// RFC 9110 §9.2.1: everything but the safe methods can change state. OPTIONS is safe, and
// only answered by the preflight rule below.
constexpr std::array<std::string_view, 4> state_changing = {"POST", "PUT", "DELETE", "PATCH"};

// What a preflight may ask for: the methods the routes use, and the request headers a
// browser test sets (the token, a JSON or TOML body, EventSource's reconnect id).
constexpr std::string_view allow_methods = "GET, HEAD, POST, PUT, DELETE";
constexpr std::string_view allow_headers = "Authorization, Content-Type, Last-Event-ID";
constexpr std::string_view preflight_max_age = "600";  // seconds a browser may cache it

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
}

// ":8025" after a host: 1 to 5 digits, at most 65535.
bool valid_port(std::string_view port) {
  if (port.empty() || port.size() > 5) return false;
  unsigned value = 0;
  for (const char c : port) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return value <= 65535;
}

bool is_loopback_ip(std::string_view ip) {
  return ip.starts_with("127.") || ip == "::1" || ip.starts_with("::ffff:127.");
}

// "http://localhost:80" and "http://localhost" name the same origin; so do Host values
// with and without the scheme's default port.
std::string_view without_default_port(std::string_view authority, std::string_view scheme) {
  const std::string_view port = scheme == "https" ? ":443" : ":80";
  if (authority.ends_with(port)) authority.remove_suffix(port.size());
  return authority;
}

// Whether `origin` is the origin of a page served by this server under `host`: the same
// authority over http (or https, behind a TLS proxy that keeps the Host).
bool same_origin(std::string_view origin, std::optional<std::string_view> host) {
  if (!host) return false;
  const std::string o = lower(origin);
  const std::string h = lower(*host);
  for (const std::string_view scheme : {"http", "https"}) {
    const std::string prefix = std::string(scheme) + "://";
    if (!o.starts_with(prefix)) continue;
    const std::string_view authority = std::string_view(o).substr(prefix.size());
    return !authority.empty() &&
           without_default_port(authority, scheme) == without_default_port(h, scheme);
  }
  return false;
}

}  // namespace

std::optional<std::string> canonical_ip(std::string_view text) {
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  const std::string s(text);
  std::array<unsigned char, 16> bytes{};
  std::array<char, INET6_ADDRSTRLEN> out{};
  for (const int family : {AF_INET, AF_INET6}) {
    if (inet_pton(family, s.c_str(), bytes.data()) != 1) continue;
    if (!inet_ntop(family, bytes.data(), out.data(), out.size())) return std::nullopt;
    return std::string(out.data());
  }
  return std::nullopt;
}

std::optional<std::string> host_name_of(std::string_view host) {
  if (host.empty() || host.size() > 300) return std::nullopt;
  std::string_view name, port;
  bool has_port = false;
  if (host.front() == '[') {  // IP-literal (RFC 3986 §3.2.2): only IPv6 here
    const auto close = host.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    const auto ip = canonical_ip(host.substr(1, close - 1));
    if (!ip || ip->find(':') == std::string::npos) return std::nullopt;
    const std::string_view rest = host.substr(close + 1);
    if (!rest.empty() && (rest.front() != ':' || !valid_port(rest.substr(1)))) return std::nullopt;
    return ip;
  }
  const auto colon = host.find(':');
  name = host.substr(0, colon);
  if (colon != std::string_view::npos) {
    port = host.substr(colon + 1);
    has_port = true;
  }
  if (has_port && !valid_port(port)) return std::nullopt;  // also a second ':' (bare IPv6)
  if (name.ends_with('.')) name.remove_suffix(1);
  if (name.empty() || name.size() > 253 || !std::all_of(name.begin(), name.end(), is_name_char))
    return std::nullopt;
  if (const auto ip = canonical_ip(name)) return ip;
  return lower(name);
}

RequestGuard::RequestGuard(GuardConfig config) : config_(std::move(config)) {
  // Entries are compared in the form host_name_of gives: lowercased, without a port.
  for (auto& h : config_.allowed_hosts) {
    if (h == "*") {
      any_host_ = true;
      continue;
    }
    const bool wildcard = h.starts_with("*.");
    if (auto name = host_name_of(wildcard ? h.substr(2) : h)) h = (wildcard ? "*." : "") + *name;
  }
  for (auto& o : config_.cors_origins) {
    if (o == "*") any_origin_ = true;
    o = lower(o);
    while (o.size() > 1 && o.ends_with('/')) o.pop_back();
  }
}

bool RequestGuard::host_allowed(std::string_view host, std::string_view listener,
                                bool listener_any) const {
  const auto name = host_name_of(host);
  if (!name) return false;
  if (any_host_) return true;
  // RFC 6761 §6.3: localhost and its subdomains are loopback, whoever asks DNS.
  if (*name == "localhost" || name->ends_with(".localhost")) return true;
  if (const auto ip = canonical_ip(*name)) {
    // A DNS rebinding attack needs a name it controls; a literal address cannot be rebound.
    // Still, only addresses that reach this listener are answered.
    if (is_loopback_ip(*ip) || listener_any) return true;
    const auto bound = canonical_ip(listener);
    if (bound && *bound == *ip) return true;
  }
  for (const auto& allowed : config_.allowed_hosts) {
    if (allowed.starts_with("*.")) {
      const std::string_view suffix = std::string_view(allowed).substr(1);  // ".example.test"
      if (name->size() > suffix.size() && name->ends_with(suffix)) return true;
    } else if (allowed == *name) {
      return true;
    }
  }
  return false;
}

bool RequestGuard::cors_allowed(std::string_view origin) const {
  if (any_origin_) return true;
  const std::string o = lower(origin);
  return std::find(config_.cors_origins.begin(), config_.cors_origins.end(), o) !=
         config_.cors_origins.end();
}

Verdict RequestGuard::screen(const GuardInput& in) const {
  Verdict v;
  // 1. Host (RFC 9112 §3.2: exactly one in HTTP/1.1). A request without one cannot come from
  // a browser, so HTTP/1.0 health checks without Host stay answered.
  if (in.host_count > 1) {
    v.answer = error_response(400, "more than one Host header");
    return v;
  }
  if (!in.host && in.version >= 11) {
    v.answer = error_response(400, "missing Host header");
    return v;
  }
  if (in.host) {
    const auto name = host_name_of(*in.host);
    if (!name) {
      v.answer = error_response(400, "malformed Host header");
      return v;
    }
    if (!host_allowed(*in.host, in.listener, in.listener_any)) {
      v.answer = error_response(
          421, "Host not allowed: " + *name + " (serve it with --api-allowed-host " + *name + ")");
      return v;
    }
  }

  const bool cross_ok = in.origin && cors_allowed(*in.origin);
  std::vector<std::pair<std::string, std::string>> cors;
  if (cross_ok) {
    cors.emplace_back("Access-Control-Allow-Origin", std::string(*in.origin));
    cors.emplace_back("Access-Control-Expose-Headers", "*");
  }
  if (!config_.cors_origins.empty()) cors.emplace_back("Vary", "Origin");

  // 2. CORS preflight (Fetch standard, "CORS-preflight request").
  if (in.method == "OPTIONS" && in.origin && in.preflight_method) {
    if (!cross_ok) {
      v.answer = error_response(
          403, "origin not allowed: " + std::string(*in.origin) + " (allow it with --api-cors)");
      if (!config_.cors_origins.empty()) v.answer->headers.emplace_back("Vary", "Origin");
      return v;
    }
    Response r;
    r.status = 204;
    r.content_type.clear();
    r.headers = std::move(cors);
    r.headers.emplace_back("Access-Control-Allow-Methods", allow_methods);
    r.headers.emplace_back("Access-Control-Allow-Headers", allow_headers);
    r.headers.emplace_back("Access-Control-Max-Age", preflight_max_age);
    if (in.private_network)  // Chrome's Private Network Access, for pages on public origins
      r.headers.emplace_back("Access-Control-Allow-Private-Network", "true");
    v.answer = std::move(r);
    return v;
  }

  // 3. Cross-site requests that change state. Reads need no check: without CORS headers the
  // browser does not let the calling page see the answer.
  const bool changes_state =
      std::find(state_changing.begin(), state_changing.end(), in.method) != state_changing.end();
  if (changes_state) {
    if (in.origin && !cross_ok && !same_origin(*in.origin, in.host)) {
      v.answer =
          error_response(403, "cross-origin request refused: Origin " + std::string(*in.origin) +
                                  " is not this server's (allow it with --api-cors)");
      return v;
    }
    if (!in.origin && in.sec_fetch_site && lower(*in.sec_fetch_site) == "cross-site") {
      v.answer = error_response(403, "cross-site request refused (Sec-Fetch-Site: cross-site)");
      return v;
    }
  }
  v.cors = std::move(cors);
  return v;
}

}  // namespace bounceback::api
