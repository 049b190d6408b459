// A message's HTML as a document of its own (docs/api.md, "A message's HTML as a document"):
// POST /api/v1/messages/{id}/html issues a single-use capability (the token is checked
// there), GET /api/v1/messages/{id}/html?capability=... serves the HTML under a strict
// Content-Security-Policy, with or without remote images as the capability says. The web page
// frames it when the reader asks to load remote content.
#include <boost/json/object.hpp>

#include "api/json_views.hpp"
#include "api/router.hpp"
#include "api/url.hpp"
#include "api/web_page.hpp"
#include "scenario/message_parts.hpp"

namespace bounceback::api {
namespace json = boost::json;

Response Router::issue_html(const Request& request, const Args& args) const {
  if (!valid_id(args[0])) return error_response(400, "malformed message id");
  bool remote = false;
  if (const auto* v = query_value(request.query, "remote")) {
    if (*v != "true" && *v != "false") return error_response(400, "remote: expected true or false");
    remote = *v == "true";
  }
  const auto m = ctx_.messages.find(args[0]);
  if (!m) return error_response(404, "no such message");
  if (scenario::message_parts(m->message.data).html.empty())
    return error_response(404, "the message has no HTML part");
  const auto capability = ctx_.html_views->issue(args[0], remote, HtmlCapabilities::Clock::now());
  if (!capability) return error_response(500, "no random bytes for a capability");
  return json_response(json::object{
      {"url", "/api/v1/messages/" + args[0] + "/html?capability=" + *capability},
      {"remote", remote},
      {"expires_in_ms",
       std::chrono::duration_cast<std::chrono::milliseconds>(HtmlCapabilities::lifetime).count()}});
}

Response Router::get_html(const Request& request, const Args& args) const {
  const auto* capability = query_value(request.query, "capability");
  const auto remote =
      capability && valid_id(args[0])
          ? ctx_.html_views->redeem(*capability, args[0], HtmlCapabilities::Clock::now())
          : std::nullopt;
  if (!remote)
    return error_response(403,
                          "capability missing, used, expired or not for this message: "
                          "POST /api/v1/messages/{id}/html issues one");
  const auto m = ctx_.messages.find(args[0]);
  if (!m) return error_response(404, "no such message");
  Response r;
  r.content_type = "text/html; charset=utf-8";  // the decoded part, whatever its meta says
  r.body = scenario::message_parts(m->message.data).html;
  r.headers.emplace_back("Content-Security-Policy",
                         std::string(*remote ? message_html_remote_csp : message_html_csp));
  r.headers.emplace_back("Referrer-Policy", "no-referrer");  // remote hosts never see the URL
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

}  // namespace bounceback::api
