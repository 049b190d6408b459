// Route matching, authorization, and the handlers of every /api/v1 route.
#include "api/router.hpp"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <functional>
#include <limits>

#include "api/json_stream.hpp"
#include "api/json_views.hpp"
#include "api/message_content.hpp"
#include "api/message_query.hpp"
#include "api/metrics.hpp"
#include "api/refusal_search.hpp"
#include "api/transcript_excerpt.hpp"
#include "api/url.hpp"
#include "api/web_page.hpp"
#include "catalog/catalog.hpp"
#include "import/logged_attempt.hpp"
#include "import/scenario_writer.hpp"
#include "scenario/loader.hpp"
#include "scenario/units.hpp"
#include "version/version.hpp"

namespace bounceback::api {
namespace json = boost::json;
namespace {

// nullopt and a 400's message in `error` when `query=` does not parse.
std::optional<MessageFilter> filter_of(const Params& query, std::string& error) {
  MessageFilter f;
  if (const auto* v = query_value(query, "from")) f.from = *v;
  if (const auto* v = query_value(query, "to")) f.to = *v;
  if (const auto* v = query_value(query, "subject")) f.subject = *v;
  if (const auto* v = query_value(query, "about")) f.about = *v;
  if (const auto* v = query_value(query, "query")) {
    auto parsed = parse_search(*v, error);
    if (!parsed) return std::nullopt;
    f.query = std::move(*parsed);
  }
  return f;
}

// {"total", "start", "count", <name>: [...]}: `total` counts the whole (filtered) list.
json::object page_json(std::size_t total, Page page, std::string_view name, json::array list) {
  json::object o{{"total", total}, {"start", page.start}, {"count", list.size()}};
  o[name] = std::move(list);
  return o;
}

// A duration: "5s", "500ms", "1h30m", or a bare number of seconds.
std::optional<std::chrono::milliseconds> parse_wait(std::string_view text) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos) {
    if (text.size() > 9) return std::nullopt;
    return std::chrono::seconds(std::stoll(std::string(text)));
  }
  return scenario::parse_duration(text);
}

// Constant-time comparison, so the token cannot be guessed byte by byte from timings.
bool same_secret(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < a.size(); ++i)
    diff |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  return diff == 0;
}

}  // namespace

Response json_response(const json::value& v, unsigned status) {
  Response r;
  r.status = status;
  r.body = serialize(v);
  r.body += '\n';  // so curl output in a terminal ends its line
  return r;
}

Response error_response(unsigned status, std::string_view message) {
  Response r;
  r.status = status;
  r.body = error_body(message);
  r.body += '\n';
  return r;
}

Response again_response() {
  Response r;
  r.deferred.kind = Deferred::Kind::again;
  return r;
}

std::span<const Router::Route> Router::routes() {
  // Order matters where a literal and a placeholder compete: /messages/wait before /{id}.
  // Query parameters are canonical names (query_params.cpp adds the aliases, rcpt for to);
  // anything else is a 400, so a misspelt filter cannot silently match everything.
  static const Route table[] = {
      {"GET", "/", &Router::index, "", true},
      {"GET", "/app.js", &Router::index, "", true},
      {"GET", "/app.css", &Router::index, "", true},
      {"GET", "/healthz", &Router::healthz, "", true},
      {"GET", "/metrics", &Router::metrics, ""},
      {"GET", "/api/v1/messages", &Router::list_messages,
       "from to subject about query before start limit"},
      {"DELETE", "/api/v1/messages", &Router::delete_messages, ""},
      {"GET", "/api/v1/messages/wait", &Router::wait_message,
       "from to subject about query timeout start limit"},
      {"GET", "/api/v1/messages/{id}", &Router::get_message, ""},
      {"DELETE", "/api/v1/messages/{id}", &Router::delete_message, ""},
      {"GET", "/api/v1/messages/{id}/raw", &Router::get_raw, ""},
      {"GET", "/api/v1/messages/{id}/attachments/{part}", &Router::get_attachment, ""},
      {"POST", "/api/v1/messages/{id}/html", &Router::issue_html, "remote"},
      // Open: a browser's frame cannot send the token; the capability is the authorization.
      {"GET", "/api/v1/messages/{id}/html", &Router::get_html, "capability", true},
      {"GET", "/api/v1/sessions", &Router::list_sessions, "start limit"},
      {"GET", "/api/v1/sessions/{id}", &Router::get_session, ""},
      {"GET", "/api/v1/attempts", &Router::list_attempts, "from to client_ip start limit"},
      {"GET", "/api/v1/refusals", &Router::list_refusals, "class query start limit"},
      {"DELETE", "/api/v1/refusals", &Router::delete_refusals, ""},
      {"GET", "/api/v1/scenario", &Router::get_scenario, ""},
      {"PUT", "/api/v1/scenario", &Router::put_scenario, ""},
      {"POST", "/api/v1/scenario/reset", &Router::reset_scenario, ""},
      {"GET", "/api/v1/scenario/export", &Router::export_scenario, "from to client_ip"},
      {"GET", "/api/v1/codes", &Router::list_codes, ""},
      {"GET", "/api/v1/codes/{code}", &Router::get_code, ""},
      {"GET", "/api/v1/clock", &Router::get_clock, ""},
      {"POST", "/api/v1/clock/advance", &Router::advance_clock, "by"},
      {"GET", "/api/v1/events", &Router::events, "from to subject about query"},
      // Mailpit's API v1 for Mailpit clients (base URL http://HOST:PORT/mailpit); `tz` is
      // accepted and has no effect (it only matters to the before:/after: filters, refused).
      {"GET", "/mailpit/api/v1/info", &Router::mailpit_info, "", false, true},
      {"GET", "/mailpit/api/v1/messages", &Router::mailpit_list, "start limit", false, true},
      {"DELETE", "/mailpit/api/v1/messages", &Router::mailpit_delete, "", false, true},
      {"GET", "/mailpit/api/v1/search", &Router::mailpit_list, "query start limit tz", false, true},
      {"DELETE", "/mailpit/api/v1/search", &Router::mailpit_search_delete, "query tz", false, true},
      {"GET", "/mailpit/api/v1/message/{id}", &Router::mailpit_message, "", false, true},
      {"GET", "/mailpit/api/v1/message/{id}/headers", &Router::mailpit_headers, "", false, true},
      {"GET", "/mailpit/api/v1/message/{id}/raw", &Router::mailpit_raw, "", false, true},
      {"GET", "/mailpit/api/v1/message/{id}/part/{part}", &Router::mailpit_part, "", false, true},
  };
  return table;
}

bool Router::authorized(const Request& request) const {
  if (ctx_.api_token.empty()) return true;
  constexpr std::string_view scheme = "Bearer ";
  const std::string_view header = request.authorization;
  if (header.size() <= scheme.size()) return false;
  for (std::size_t i = 0; i < scheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(header[i])) !=
        std::tolower(static_cast<unsigned char>(scheme[i])))
      return false;
  return same_secret(header.substr(scheme.size()), ctx_.api_token);
}

Response Router::handle(const Request& request) const {
  const auto segments = split_path(request.path);
  if (!segments) return error_response(400, "malformed path");
  std::string allowed;  // methods of routes whose path matched
  for (const Route& route : routes()) {
    const auto pattern = split_path(route.pattern);
    if (pattern->size() != segments->size()) continue;
    Args args;
    bool match = true;
    for (std::size_t i = 0; match && i < segments->size(); ++i) {
      const std::string_view p = (*pattern)[i];
      if (p.front() == '{') {
        auto decoded = percent_decode((*segments)[i]);
        if (!decoded) return error_response(400, "malformed escape in path");
        args.push_back(std::move(*decoded));
      } else {
        match = p == (*segments)[i];
      }
    }
    if (!match) continue;
    if (route.method != request.method) {
      if (allowed.find(route.method) == std::string::npos)
        allowed += (allowed.empty() ? "" : ", ") + std::string(route.method);
      continue;
    }
    if (!route.open && !authorized(request)) {
      Response r = error_response(401, "missing or wrong bearer token");
      r.headers.emplace_back("WWW-Authenticate", "Bearer");
      return r;
    }
    if (route.form_query) {
      Request form = request;
      const auto query = parse_query(request.raw_query, true);
      if (!query) return error_response(400, "malformed escape in query");
      form.query = std::move(*query);
      if (const auto error = check_query(form.query, route.params))
        return error_response(400, *error);
      return (this->*route.handler)(form, args);
    }
    if (const auto error = check_query(request.query, route.params))
      return error_response(400, *error);
    return (this->*route.handler)(request, args);
  }
  if (!allowed.empty()) {
    Response r = error_response(405, "method not allowed; allowed: " + allowed);
    r.headers.emplace_back("Allow", allowed);
    return r;
  }
  return error_response(404, "no such route");
}

// ---- pages and health ----------------------------------------------------------------------

// The page and its script and style (web/); the page's policy lets only them run.
Response Router::index(const Request& request, const Args&) const {
  const WebAsset* asset = web_asset(request.path);
  if (!asset) return error_response(404, "no such route");
  Response r;
  r.content_type = std::string(asset->content_type);
  r.body = std::string(asset->body);
  if (request.path == "/")
    r.headers.emplace_back("Content-Security-Policy", std::string(web_page_csp));
  return r;
}

Response Router::healthz(const Request&, const Args&) const {
  return json_response(json::object{{"status", "ok"},
                                    {"version", std::string(version::number())},
                                    {"revision", std::string(version::revision())}});
}

Response Router::metrics(const Request&, const Args&) const {
  Response r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = render_metrics(ctx_);
  return r;
}

// ---- messages ------------------------------------------------------------------------------

Response Router::list_messages(const Request& request, const Args&) const {
  std::string error;
  const auto page = parse_page(request.query, ctx_.routes.messages_page, error);
  if (!page) return error_response(400, error);
  const auto filter = filter_of(request.query, error);
  if (!filter) return error_response(400, error);
  MatchQuery query{*page};
  query.budget = ctx_.routes.scan;
  if (const auto* before = query_value(request.query, "before")) {
    if (before->empty() || before->size() > 19 ||
        before->find_first_not_of("0123456789") != std::string::npos)
      return error_response(400, "before: expected the next of a previous page (a number)");
    query.before = std::stoull(*before);
  }
  query.index_pending = true;
  const auto found = find_matches(ctx_.messages, *filter, query, ctx_.address_search.get());
  if (found.pending) return again_response();
  // A scan stopped at its budget: `total` is a lower bound, "more" and "next" say so.
  return summary_page(found.total, *page, found.messages, found.more, found.next);
}

Response Router::summary_page(std::size_t total, Page page,
                              const std::vector<store::MessagePtr>& messages, bool more,
                              std::uint64_t next, const store::StoredMessage* top) const {
  SummaryPage out{total, page.start, {}, more, next, nullptr};
  out.items.reserve(messages.size());
  for (const auto& m : messages) out.items.push_back(summaries_->get(*m));
  if (top) out.top = summaries_->get(*top);
  Response r;
  r.body = render(out);
  return r;
}

std::optional<Response> Router::wait_check(const MessageFilter& filter, Page page,
                                           std::uint64_t& checked) const {
  // The scan stops once the page is full (the newest match at least), so a wait costs the
  // matches it returns, not every match in the store; a filter the index cannot answer reads
  // at most --api-scan-budget messages, as a list does, so the first look at a large store is
  // bounded too. Nothing matched up to `checked` last time (else the wait would have
  // answered), so a second look reads only newer messages.
  MatchQuery query{page};
  query.after = checked;
  query.count_all = false;
  query.budget = ctx_.routes.scan;
  const auto found = find_matches(ctx_.messages, filter, query, ctx_.address_search.get());
  checked = found.newest;
  if (!found.first) return std::nullopt;
  // The newest match's summary at the top level, and the requested page of matches; `total`
  // counts the matches scanned, `more` says the scan stopped before the end of the store.
  return summary_page(found.total, page, found.messages, found.more, 0, found.first.get());
}

Response Router::wait_timeout() {
  return error_response(408, "no matching message before the timeout");
}

std::string Router::event_message(const store::StoredMessage& message) {
  return serialize(message_summary(message));
}

Response Router::wait_message(const Request& request, const Args&) const {
  std::chrono::milliseconds timeout = std::min(ctx_.routes.default_wait, ctx_.routes.max_wait);
  if (const auto* t = query_value(request.query, "timeout")) {
    const auto parsed = parse_wait(*t);
    if (!parsed) return error_response(400, "timeout: expected a duration like 5s or 500ms");
    timeout = std::min(*parsed, ctx_.routes.max_wait);
  }
  std::string error;
  // One match by default: a wait answers "has it arrived?"; a page of matches is opt-in.
  const PageLimits limits{1, ctx_.routes.messages_page.max_limit};
  const auto page = parse_page(request.query, limits, error);
  if (!page) return error_response(400, error);
  auto filter = filter_of(request.query, error);
  if (!filter) return error_response(400, error);
  // The wait's first look reads the search's address index whole: until it has caught up
  // with the store, a step per call.
  if (ctx_.address_search && reads_address_search(*filter) &&
      !ctx_.address_search->catch_up(ctx_.messages))
    return again_response();
  Response r;
  r.deferred.kind = Deferred::Kind::wait;
  r.deferred.filter = std::move(*filter);
  r.deferred.timeout = timeout;
  r.deferred.start = page->start;
  r.deferred.limit = page->limit;
  return r;
}

Response Router::get_message(const Request&, const Args& args) const {
  if (!valid_id(args[0])) return error_response(400, "malformed message id");
  const auto m = ctx_.messages.find(args[0]);
  if (!m) return error_response(404, "no such message");
  const auto session = ctx_.sessions.find(m->message.session_id);
  json::object o = message_detail(*m, session.get());
  add_message_content(o, *m);
  return json_response(o);
}

Response Router::get_raw(const Request&, const Args& args) const {
  if (!valid_id(args[0])) return error_response(400, "malformed message id");
  const auto m = ctx_.messages.find(args[0]);
  if (!m) return error_response(404, "no such message");
  Response r;
  r.content_type = "message/rfc822";
  r.body = m->message.data;
  r.headers.emplace_back("Content-Security-Policy", raw_message_csp);
  r.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + args[0] + ".eml\"");
  return r;
}

Response Router::get_attachment(const Request&, const Args& args) const {
  if (!valid_id(args[0])) return error_response(400, "malformed message id");
  if (!valid_part_id(args[1])) return error_response(400, "malformed part number");
  const auto m = ctx_.messages.find(args[0]);
  if (!m) return error_response(404, "no such message");
  const auto parts = scenario::message_parts(m->message.data);
  for (const auto& a : parts.attachments) {
    if (a.part_id != args[1]) continue;
    Response r;
    r.content_type = download_type(a.type);
    r.body = scenario::attachment_bytes(a);
    r.headers.emplace_back("Content-Security-Policy", raw_message_csp);
    r.headers.emplace_back("Content-Disposition", download_disposition(a.name, args[1]));
    return r;
  }
  return error_response(404, "no such attachment");
}

Response Router::delete_messages(const Request&, const Args&) const {
  const std::size_t before = ctx_.messages.size();
  ctx_.messages.clear();
  return json_response(json::object{{"deleted", before}});
}

Response Router::delete_message(const Request&, const Args& args) const {
  if (!valid_id(args[0])) return error_response(400, "malformed message id");
  if (!ctx_.messages.erase(args[0])) return error_response(404, "no such message");
  return json_response(json::object{{"deleted", 1}});
}

// ---- sessions and attempts -----------------------------------------------------------------

Response Router::list_sessions(const Request& request, const Args&) const {
  std::string error;
  const auto page = parse_page(request.query, ctx_.routes.sessions_page, error);
  if (!page) return error_response(400, error);
  auto all = ctx_.sessions.newest_first();
  std::vector<std::shared_ptr<const store::SessionRecord>> records;
  for (std::size_t i = page->start; i < all.size() && records.size() < page->limit; ++i)
    records.push_back(std::move(all[i]));
  // Each transcript in a list is cut to its first and last lines within a budget, so a page
  // is a few megabytes at most (/sessions/{id} has it whole); still streamed, one session
  // rendered (then let go) at a time, when the transport is ready for it.
  const std::size_t count = records.size();
  Response r;
  r.stream = json_list_stream({{"total", all.size()}, {"start", page->start}, {"count", count}},
                              "sessions", count,
                              [records = std::move(records),
                               budget = ctx_.routes.list_transcript_bytes](std::size_t i) mutable {
                                const auto record = std::move(records[i]);
                                auto view = record->view();
                                const bool cut = shorten_transcript(view, budget);
                                auto o = session_json(view, true);
                                o["truncated"] = cut;
                                return json::value(std::move(o));
                              });
  return r;
}

Response Router::get_session(const Request&, const Args& args) const {
  if (!valid_id(args[0])) return error_response(400, "malformed session id");
  const auto s = ctx_.sessions.find(args[0]);
  if (!s) return error_response(404, "no such session");
  return json_response(session_json(s->view(), true));
}

namespace {

// The attempt filters of /attempts and /scenario/export: from= and to= exact or a glob ('*'),
// as in the message filters; client_ip= the client's address exactly. Checked under the
// attempt log's lock, which copies only what matches.
std::function<bool(const scenario::AttemptRecord&)> attempt_filter(const Request& request) {
  const auto* from_param = query_value(request.query, "from");
  const auto* rcpt_param = query_value(request.query, "to");
  const auto* client_param = query_value(request.query, "client_ip");
  return [from = from_param ? *from_param : "", rcpt = rcpt_param ? *rcpt_param : "",
          client = client_param ? *client_param : ""](const scenario::AttemptRecord& a) {
    return (from.empty() || address_matches(from, a.from)) &&
           (rcpt.empty() || address_matches(rcpt, a.rcpt)) &&
           (client.empty() || a.client_ip == client);
  };
}

}  // namespace

Response Router::list_attempts(const Request& request, const Args&) const {
  std::string error;
  const auto page = parse_page(request.query, ctx_.routes.attempts_page, error);
  if (!page) return error_response(400, error);
  const auto found = ctx_.engine.attempts(attempt_filter(request), page->start, page->limit);
  json::array list;
  for (const auto& a : found.records) list.push_back(attempt_json(a));
  return json_response(page_json(found.total, *page, "attempts", std::move(list)));
}

// Every refusal sent, drop and hang (the refusal log, newest first), for the page's timeline;
// `class=` temporary (4xx, no reply) or permanent (5xx); `query=` the messages' search syntax
// (refusal_search.hpp). Paged as the messages.
Response Router::list_refusals(const Request& request, const Args&) const {
  std::string error;
  const auto page = parse_page(request.query, ctx_.routes.messages_page, error);
  if (!page) return error_response(400, error);
  store::RefusalClass klass = store::RefusalClass::any;
  if (const auto* c = query_value(request.query, "class")) {
    if (*c == "temporary")
      klass = store::RefusalClass::temporary;
    else if (*c == "permanent")
      klass = store::RefusalClass::permanent;
    else
      return error_response(400, "class: expected temporary or permanent");
  }
  std::optional<SearchQuery> search;
  if (const auto* v = query_value(request.query, "query")) {
    search = parse_search(*v, error);
    if (!search) return error_response(400, error);
  }
  std::function<bool(const store::Refusal&)> keep;
  if (search && !search->empty())
    keep = [&search](const store::Refusal& r) { return refusal_matches(*search, r); };
  json::array list;
  std::size_t total = 0;
  if (ctx_.refusals) {
    const auto found = ctx_.refusals->newest_first(klass, page->start, page->limit, keep);
    for (const auto& r : found.refusals) list.push_back(refusal_json(r));
    total = found.total;
  }
  return json_response(page_json(total, *page, "refusals", std::move(list)));
}

Response Router::delete_refusals(const Request&, const Args&) const {
  const std::size_t before = ctx_.refusals ? ctx_.refusals->size() : 0;
  if (ctx_.refusals) ctx_.refusals->clear();
  return json_response(json::object{{"deleted", before}});
}

// ---- scenario ------------------------------------------------------------------------------

Response Router::get_scenario(const Request&, const Args&) const {
  const auto s = ctx_.engine.scenario();
  Response r;
  r.content_type = "application/toml; charset=utf-8";
  r.body = s && !s->source.empty() ? s->source : std::string("# accept-all: no scenario loaded\n");
  if (s) r.headers.emplace_back("X-Bounceback-Scenario", s->name);
  return r;
}

Response Router::put_scenario(const Request& request, const Args&) const {
  auto loaded = scenario::load_scenario_text(request.body, "api");
  if (!loaded.ok()) {
    json::array errors;
    for (const auto& e : loaded.errors)
      errors.push_back(
          json::object{{"line", e.line}, {"column", e.column}, {"message", e.message}});
    const auto& first = loaded.errors.front();
    json::object o{{"error", first.message},
                   {"line", first.line},
                   {"column", first.column},
                   {"errors", std::move(errors)}};
    return json_response(o, 400);
  }
  const auto s = loaded.scenario;
  ctx_.apply_scenario(s);
  return json_response(
      json::object{{"name", s->name}, {"description", s->description}, {"rules", s->rules.size()}});
}

// The attempt log as a scenario, in `bounceback import`'s format: what was seen once, kept as a
// fixture. The log is bounded (--max-attempt-log), so is this.
Response Router::export_scenario(const Request& request, const Args&) const {
  const auto found =
      ctx_.engine.attempts(attempt_filter(request), 0, std::numeric_limits<std::size_t>::max());
  import::Model model;
  for (std::size_t i = 0; i < found.records.size(); ++i) {
    const auto& a = found.records[i];
    import::add_logged_attempt(
        model, {a.from, a.rcpt, smtp::to_string(a.stage), scenario::to_string(a.outcome), a.reply, {
                  "attempts",
                  i + 1
                }});
  }
  Response r;
  r.content_type = "application/toml; charset=utf-8";
  r.body = import::write_scenario(
      model, {"exported", {"the attempt log (GET /api/v1/attempts)"}, nullptr});
  return r;
}

Response Router::reset_scenario(const Request&, const Args&) const {
  ctx_.engine.reset_state();
  if (ctx_.reset_reactions) ctx_.reset_reactions();  // pending DSNs, auto-replies, complaints
  return json_response(json::object{{"reset", true}});
}

// ---- catalogue -----------------------------------------------------------------------------

Response Router::list_codes(const Request&, const Args&) const {
  json::array basic, enhanced;
  for (const auto& b : catalog::basic_codes())
    if (const auto x = catalog::explain(std::to_string(b.code)))
      basic.push_back(explanation_json(*x));
  for (const auto& e : catalog::enhanced_codes())
    enhanced.push_back(json::object{{"enhanced", e.code},
                                    {"meaning", e.meaning},
                                    {"action", e.action},
                                    {"reference", e.reference}});
  json::array providers;
  for (const auto& p : catalog::provider_replies())
    providers.push_back(json::object{
        {"provider", p.provider},
        {"code", std::to_string(p.code)},
        {"enhanced", p.enhanced.empty() ? json::value(nullptr) : json::value(p.enhanced)},
        {"markers", p.markers},
        {"bounce", catalog::to_string(p.bounce)},
        {"meaning", p.meaning},
        {"action", p.action},
        {"example", p.example}});
  return json_response(json::object{{"codes", std::move(basic)},
                                    {"enhanced", std::move(enhanced)},
                                    {"providers", std::move(providers)}});
}

Response Router::get_code(const Request&, const Args& args) const {
  const std::string& q = args[0];
  // A code, or a whole pasted reply line (a provider's marker in its text is read): printable
  // ASCII, bounded like an SMTP reply line.
  const bool printable =
      std::all_of(q.begin(), q.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
  const auto first = std::string_view(q).substr(0, q.find_first_of(" \t-"));
  const bool code_first =
      !first.empty() && first.find_first_not_of("0123456789.Xx") == std::string_view::npos;
  if (q.size() > 512 || !printable || !code_first)
    return error_response(400,
                          "expected a code like 550, 5.1.1 or \"550 5.7.26\", or a reply line");
  const auto x = catalog::explain(q);
  if (!x) return error_response(404, "code not in the catalogue");
  return json_response(explanation_json(*x));
}

// ---- clock ---------------------------------------------------------------------------------

Response Router::get_clock(const Request&, const Args&) const {
  return json_response(
      json::object{{"now", rfc3339(ctx_.clock.now())}, {"offset_ms", ctx_.clock.offset().count()}});
}

Response Router::advance_clock(const Request& request, const Args& args) const {
  std::optional<std::chrono::milliseconds> by;
  if (const auto* q = query_value(request.query, "by")) {
    by = scenario::parse_duration(*q);
  } else if (!request.body.empty()) {
    boost::system::error_code ec;
    const json::value body = json::parse(request.body, ec);
    const json::object* o = ec ? nullptr : body.if_object();
    const json::value* v = o ? o->if_contains("by") : nullptr;
    if (v && v->is_string()) by = scenario::parse_duration(v->get_string());
    if (v && v->is_int64()) by = std::chrono::milliseconds(v->get_int64());
    if (!o) return error_response(400, "expected a JSON body like {\"by\": \"5m\"}");
  }
  // Time only moves forward, and by at most ten years, so no table sees it run backwards.
  if (!by || by->count() < 0 || *by > std::chrono::hours(24 * 3660))
    return error_response(400, "by: expected a duration like \"5m\", \"90s\" or \"1h30m\"");
  // In all it moves at most 100 years: beyond, time points would overflow (and wrap).
  if (!ctx_.clock.advance(*by)) {
    const auto days = [](std::chrono::milliseconds d) {
      return std::to_string(std::chrono::duration_cast<std::chrono::hours>(d).count() / 24);
    };
    return error_response(
        400, "by: the scenario clock moves at most " + days(AdjustableClock::max_offset) +
                 " days (100 years) in all; " + "it is " + days(ctx_.clock.offset()) +
                 " days ahead already. Restart the server to start over");
  }
  if (ctx_.clock_moved) ctx_.clock_moved();  // reactions now due are generated before we answer
  return get_clock(request, args);
}

// ---- events --------------------------------------------------------------------------------

Response Router::events(const Request& request, const Args&) const {
  std::string error;
  auto filter = filter_of(request.query, error);
  if (!filter) return error_response(400, error);
  Response r;
  r.content_type = "text/event-stream";
  r.deferred.kind = Deferred::Kind::events;
  r.deferred.filter = std::move(*filter);
  return r;
}

}  // namespace bounceback::api
