// Beast messages to and from the API's plain ones (see beast_message.hpp).
#include "api/http/beast_message.hpp"

#include <boost/beast/core/string.hpp>
#include <iterator>
#include <optional>

#include "api/url.hpp"

namespace bounceback::api {

namespace beast = boost::beast;
namespace http = beast::http;

namespace {

template <class Name>
std::optional<std::string_view> field(const http::fields& fields, Name name) {
  const auto it = fields.find(name);
  if (it == fields.end()) return std::nullopt;
  return std::string_view(it->value());
}

// For every response without its own policy: nothing in it may load, run or be framed.
constexpr std::string_view default_csp = "default-src 'none'; frame-ancestors 'none'";

}  // namespace

bool framing_is_sound(const http::request_parser<http::string_body>& parser) {
  const auto& req = parser.get();
  const auto [first, last] = req.equal_range(http::field::transfer_encoding);
  const auto count = std::distance(first, last);
  if (count == 0) return true;
  if (count > 1 || req.version() < 11 || req.count(http::field::content_length) > 0) return false;
  std::string_view value = first->value();
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  return beast::iequals(value, "chunked");
}

GuardInput guard_input(const BeastRequest& req, std::string_view listener, bool listener_any) {
  GuardInput in;
  in.method = req.method_string();
  in.version = req.version();
  in.host = field(req, http::field::host);
  in.host_count = req.count(http::field::host);
  in.origin = field(req, http::field::origin);
  in.sec_fetch_site = field(req, "Sec-Fetch-Site");
  in.preflight_method = field(req, http::field::access_control_request_method);
  const auto pna = field(req, "Access-Control-Request-Private-Network");
  in.private_network = pna && beast::iequals(*pna, "true");
  in.listener = listener;
  in.listener_any = listener_any;
  return in;
}

Request to_request(BeastRequest& req, bool& bad) {
  Request r;
  // HEAD runs the GET route; write() sends its headers without the body.
  r.method = req.method() == http::verb::head ? "GET" : std::string(req.method_string());
  const std::string_view target = req.target();
  const auto q = target.find('?');
  r.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) {
    r.raw_query = std::string(target.substr(q + 1));
    auto query = parse_query(r.raw_query);
    if (!query)
      bad = true;
    else
      r.query = std::move(*query);
  }
  r.authorization = std::string(req[http::field::authorization]);
  r.body = std::move(req.body());
  return r;
}

bool health_route(std::string_view method, std::string_view target) {
  const std::string_view path = target.substr(0, target.find('?'));
  return (method == "GET" || method == "HEAD") && (path == "/healthz" || path == "/metrics");
}

void allow_head(Response& resp) {
  for (auto& [name, value] : resp.headers)
    if (name == "Allow" && value.find("GET") != std::string::npos &&
        value.find("HEAD") == std::string::npos)
      value.replace(value.find("GET"), 3, "GET, HEAD");
}

void set_headers(http::response_header<>& res, const Response& resp) {
  res.set(http::field::server, "bounceback");
  if (!resp.content_type.empty()) res.set(http::field::content_type, resp.content_type);
  res.set(http::field::cache_control, "no-store");
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Content-Security-Policy", default_csp);
  for (const auto& [name, value] : resp.headers) res.set(name, value);
}

}  // namespace bounceback::api
