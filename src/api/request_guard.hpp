// Who may talk to the API from a browser, decided before any route runs: the Host a request
// names (against DNS rebinding), where a state-changing request comes from (against CSRF),
// and the CORS answers for origins allowed with --api-cors. Pure: header values in, a
// verdict out; the transport (src/api/http) supplies the headers and applies it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/http_message.hpp"

namespace bounceback::api {

struct GuardConfig {
  // Names the API answers to besides loopback and the listener's address: --hostname and
  // --api-allowed-host values. "*.example.test" matches any subdomain; "*" matches any Host
  // (unsafe: it turns the DNS rebinding defence off).
  std::vector<std::string> allowed_hosts;
  // Origins ("http://localhost:3000") that may call the API from a browser (--api-cors);
  // "*" allows every origin (unsafe: any web page may read and change everything).
  std::vector<std::string> cors_origins;
};

// What the guard reads from one request. Absent headers are nullopt.
struct GuardInput {
  std::string_view method;  // as sent ("GET", "OPTIONS", ...)
  unsigned version = 11;    // 10 or 11
  std::optional<std::string_view> host;
  std::size_t host_count = 0;  // Host header fields seen (more than one is malformed)
  std::optional<std::string_view> origin;
  std::optional<std::string_view> sec_fetch_site;
  std::optional<std::string_view> preflight_method;  // Access-Control-Request-Method
  bool private_network = false;                      // Access-Control-Request-Private-Network: true
  // The address of the listener the request came through, as its literal ("127.0.0.1",
  // "::1"); `listener_any` when it is bound to 0.0.0.0 or ::.
  std::string_view listener;
  bool listener_any = false;
};

struct Verdict {
  std::optional<Response> answer;                         // set: send it, run no route
  std::vector<std::pair<std::string, std::string>> cors;  // add these to the response
};

class RequestGuard {
 public:
  explicit RequestGuard(GuardConfig config = {});

  Verdict screen(const GuardInput& in) const;

  // Whether `host` (a Host header's value, port included or not) names this server.
  bool host_allowed(std::string_view host, std::string_view listener, bool listener_any) const;
  // Whether `origin` may call the API cross-origin (--api-cors).
  bool cors_allowed(std::string_view origin) const;

 private:
  GuardConfig config_;
  bool any_host_ = false;
  bool any_origin_ = false;
};

// The Host header's name part, lowercased, without brackets or a trailing dot:
// "LocalHost:8025" -> "localhost", "[::1]:80" -> "::1". nullopt when malformed (a bad or
// missing port, userinfo, characters no host name has).
std::optional<std::string> host_name_of(std::string_view host);

// An IP address literal in canonical text ("0:0::1" -> "::1"), or nullopt.
std::optional<std::string> canonical_ip(std::string_view text);

}  // namespace bounceback::api
