// Unit tests of the request guard: Host parsing and the DNS rebinding rule, the CSRF rule
// for state-changing requests, and CORS answers (docs/security.md, "Browsers").
#include "api/request_guard.hpp"

#include <catch2/catch.hpp>

using namespace bounceback::api;

namespace {

GuardInput request(std::string_view method, std::optional<std::string_view> host,
                   std::optional<std::string_view> origin = std::nullopt) {
  GuardInput in;
  in.method = method;
  in.host = host;
  in.host_count = host ? 1 : 0;
  in.origin = origin;
  in.listener = "127.0.0.1";
  return in;
}

std::string header(const std::vector<std::pair<std::string, std::string>>& headers,
                   std::string_view name) {
  for (const auto& [n, v] : headers)
    if (n == name) return v;
  return "";
}

}  // namespace

TEST_CASE("host_name_of", "[api][guard]") {
  using R = std::optional<std::string>;
  const auto [text, name] = GENERATE(table<std::string_view, R>({
      {"localhost", "localhost"},
      {"LocalHost:8025", "localhost"},
      {"localhost.:8025", "localhost"},
      {"127.0.0.1:8025", "127.0.0.1"},
      {"[::1]:8025", "::1"},
      {"[0:0::1]", "::1"},
      {"mx.example.test", "mx.example.test"},
      {"", std::nullopt},
      {":8025", std::nullopt},
      {"localhost:", std::nullopt},
      {"localhost:80x", std::nullopt},
      {"localhost:99999", std::nullopt},
      {"::1", std::nullopt},  // IPv6 needs brackets
      {"[::1", std::nullopt},
      {"[127.0.0.1]", std::nullopt},
      {"[::1]x", std::nullopt},
      {"user@localhost", std::nullopt},
      {"evil.example/x", std::nullopt},
      {"local host", std::nullopt},
  }));
  CAPTURE(text);
  CHECK(host_name_of(text) == name);
}

TEST_CASE("canonical_ip", "[api][guard]") {
  CHECK(canonical_ip("127.0.0.1") == "127.0.0.1");
  CHECK(canonical_ip("0:0:0:0:0:0:0:1") == "::1");
  CHECK_FALSE(canonical_ip("127.1"));
  CHECK_FALSE(canonical_ip("localhost"));
  CHECK_FALSE(canonical_ip(""));
}

TEST_CASE("Host: loopback names and addresses, the listener, configured names", "[api][guard]") {
  const RequestGuard guard({{"mx.example.test", "*.ci.internal", "Bounceback:8025"}, {}});
  for (const auto* host : {"localhost", "localhost:8025", "app.localhost", "127.0.0.1:1",
                           "127.9.9.9", "[::1]:8025", "mx.example.test", "MX.example.test:80",
                           "a.ci.internal", "x.y.ci.internal", "bounceback"}) {
    CAPTURE(host);
    CHECK(guard.host_allowed(host, "127.0.0.1", false));
  }
  for (const auto* host :
       {"rebind.evil.example", "localhost.evil.example", "evillocalhost", "ci.internal", "10.0.0.1",
        "[fe80::1]", "0.0.0.0", "mx.example.test.evil", "::1"}) {
    CAPTURE(host);
    CHECK_FALSE(guard.host_allowed(host, "127.0.0.1", false));
  }
}

TEST_CASE("Host: a specific or a wildcard listener address", "[api][guard]") {
  const RequestGuard guard;
  CHECK(guard.host_allowed("192.168.1.5:8025", "192.168.1.5", false));
  CHECK_FALSE(guard.host_allowed("192.168.1.6:8025", "192.168.1.5", false));
  // Bound to 0.0.0.0: any address literal (none can be rebound), still no foreign name.
  CHECK(guard.host_allowed("10.1.2.3:8025", "0.0.0.0", true));
  CHECK(guard.host_allowed("[2001:db8::1]:8025", "::", true));
  CHECK_FALSE(guard.host_allowed("rebind.evil.example:8025", "0.0.0.0", true));
}

TEST_CASE("Host: * allows any well-formed Host", "[api][guard]") {
  const RequestGuard guard({{"*"}, {}});
  CHECK(guard.host_allowed("rebind.evil.example", "127.0.0.1", false));
  CHECK_FALSE(guard.host_allowed("bad host", "127.0.0.1", false));
}

TEST_CASE("screen: Host refusals", "[api][guard]") {
  const RequestGuard guard;
  auto v = guard.screen(request("GET", "rebind.evil.example:8025"));
  REQUIRE(v.answer);
  CHECK(v.answer->status == 421);
  CHECK(v.answer->body.find("Host not allowed") != std::string::npos);

  v = guard.screen(request("GET", "local host"));
  REQUIRE(v.answer);
  CHECK(v.answer->status == 400);

  GuardInput two = request("GET", "localhost");
  two.host_count = 2;
  CHECK(guard.screen(two).answer->status == 400);

  GuardInput none = request("GET", std::nullopt);
  CHECK(guard.screen(none).answer->status == 400);  // HTTP/1.1 needs Host
  none.version = 10;
  CHECK_FALSE(guard.screen(none).answer);  // HTTP/1.0 health checks without Host

  CHECK_FALSE(guard.screen(request("GET", "localhost:8025")).answer);
}

TEST_CASE("screen: state-changing requests from other origins", "[api][guard]") {
  const RequestGuard guard;
  for (const auto* method : {"POST", "PUT", "DELETE", "PATCH"}) {
    CAPTURE(method);
    auto v = guard.screen(request(method, "127.0.0.1:8025", "http://evil.example"));
    REQUIRE(v.answer);
    CHECK(v.answer->status == 403);
    CHECK(header(v.answer->headers, "Access-Control-Allow-Origin").empty());
    // The page's own origin, over http or (behind a TLS proxy) https.
    CHECK_FALSE(guard.screen(request(method, "127.0.0.1:8025", "http://127.0.0.1:8025")).answer);
    CHECK_FALSE(guard.screen(request(method, "LOCALHOST:8025", "https://localhost:8025")).answer);
    CHECK_FALSE(guard.screen(request(method, "localhost:80", "http://localhost")).answer);
    CHECK_FALSE(guard.screen(request(method, "localhost", "http://localhost:80")).answer);
    // Another port is another origin; so is an opaque one.
    CHECK(guard.screen(request(method, "127.0.0.1:8025", "http://127.0.0.1:3000")).answer);
    CHECK(guard.screen(request(method, "127.0.0.1:8025", "http://localhost:8025")).answer);
    CHECK(guard.screen(request(method, "127.0.0.1:8025", "null")).answer);
    CHECK(guard.screen(request(method, "127.0.0.1:8025", "http://127.0.0.1:8025/x")).answer);
    // No Origin: curl, scripts; refused only when the browser says it is cross-site.
    GuardInput plain = request(method, "127.0.0.1:8025");
    CHECK_FALSE(guard.screen(plain).answer);
    plain.sec_fetch_site = "same-origin";
    CHECK_FALSE(guard.screen(plain).answer);
    plain.sec_fetch_site = "cross-site";
    CHECK(guard.screen(plain).answer->status == 403);
  }
  // Reads are not refused for their origin: the browser keeps the answer from the page.
  CHECK_FALSE(guard.screen(request("GET", "127.0.0.1:8025", "http://evil.example")).answer);
}

TEST_CASE("screen: CORS for --api-cors origins", "[api][guard]") {
  const RequestGuard guard({{}, {"http://localhost:3000/", "HTTP://App.Test"}});
  auto v = guard.screen(request("DELETE", "127.0.0.1:8025", "http://localhost:3000"));
  CHECK_FALSE(v.answer);
  CHECK(header(v.cors, "Access-Control-Allow-Origin") == "http://localhost:3000");
  CHECK(header(v.cors, "Vary") == "Origin");
  CHECK(guard.screen(request("POST", "localhost", "http://app.test")).cors.size() == 3);

  // Others: refused when they change state, and never given CORS headers.
  v = guard.screen(request("GET", "127.0.0.1:8025", "http://evil.example"));
  CHECK_FALSE(v.answer);
  CHECK(header(v.cors, "Access-Control-Allow-Origin").empty());
  CHECK(header(v.cors, "Vary") == "Origin");
  CHECK(guard.screen(request("POST", "127.0.0.1:8025", "http://localhost:3001")).answer);

  // Preflight.
  GuardInput pre = request("OPTIONS", "127.0.0.1:8025", "http://localhost:3000");
  pre.preflight_method = "PUT";
  v = guard.screen(pre);
  REQUIRE(v.answer);
  CHECK(v.answer->status == 204);
  CHECK(v.answer->body.empty());
  const auto& h = v.answer->headers;
  CHECK(header(h, "Access-Control-Allow-Origin") == "http://localhost:3000");
  CHECK(header(h, "Access-Control-Allow-Methods").find("PUT") != std::string::npos);
  CHECK(header(h, "Access-Control-Allow-Headers").find("Authorization") != std::string::npos);
  CHECK(header(h, "Access-Control-Allow-Headers").find("Content-Type") != std::string::npos);
  CHECK(header(h, "Access-Control-Max-Age") == "600");
  CHECK(header(h, "Access-Control-Allow-Private-Network").empty());
  pre.private_network = true;
  CHECK(header(guard.screen(pre).answer->headers, "Access-Control-Allow-Private-Network") ==
        "true");

  pre.origin = "http://evil.example";
  v = guard.screen(pre);
  REQUIRE(v.answer);
  CHECK(v.answer->status == 403);
  CHECK(header(v.answer->headers, "Access-Control-Allow-Origin").empty());
}

TEST_CASE("screen: --api-cors * allows every origin", "[api][guard]") {
  const RequestGuard guard({{}, {"*"}});
  const auto v = guard.screen(request("POST", "localhost", "http://anything.example"));
  CHECK_FALSE(v.answer);
  CHECK(header(v.cors, "Access-Control-Allow-Origin") == "http://anything.example");
}
