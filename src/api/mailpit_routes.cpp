// The Mailpit-compatible routes under /mailpit (docs/api.md, "Mailpit clients"): what the
// `mailpit-api` npm package calls to list, read (`latest` too), fetch raw source, headers and
// parts, search, delete, and ask for info, answered from Bounceback's store in Mailpit's shapes.
// Bounceback's own /api/v1 stays as it is; a Mailpit client's base URL is http://HOST:PORT/mailpit.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>

#include "api/mailpit_views.hpp"
#include "api/message_content.hpp"
#include "api/message_query.hpp"
#include "api/router.hpp"
#include "api/url.hpp"
#include "version/version.hpp"

namespace bounceback::api {
namespace json = boost::json;
namespace {

Response ok_text() {
  Response r;
  r.content_type = "text/plain; charset=utf-8";
  r.body = "ok";
  return r;
}

}  // namespace

store::MessagePtr Router::mailpit_find(std::string_view id) const {
  if (id == "latest") {  // Mailpit's alias for the newest message
    auto newest = ctx_.messages.newest({}, 0, 1).messages;
    return newest.empty() ? nullptr : std::move(newest.front());
  }
  return valid_id(id) ? ctx_.messages.find(std::string(id)) : nullptr;
}

Response Router::mailpit_info(const Request&, const Args&) const {
  const std::size_t stored = ctx_.messages.size();
  return json_response(json::object{{"Version", "bounceback-" + std::string(version::number())},
                                    {"LatestVersion", ""},
                                    {"Database", ""},
                                    {"DatabaseSize", 0},
                                    {"Messages", stored},
                                    {"Unread", stored},
                                    {"Tags", json::object()},
                                    {"RuntimeStats", json::object{{"Memory", 0},
                                                                  {"MessagesDeleted", 0},
                                                                  {"SMTPAccepted", stored},
                                                                  {"SMTPAcceptedSize", 0},
                                                                  {"SMTPIgnored", 0},
                                                                  {"SMTPRejected", 0},
                                                                  {"Uptime", 0}}}});
}

Response Router::mailpit_list(const Request& request, const Args&) const {
  std::string error;
  const auto page = parse_page(request.query, ctx_.routes.messages_page, error);
  if (!page) return error_response(400, error);
  SearchQuery search;
  if (const auto* q = query_value(request.query, "query")) {
    auto parsed = parse_search(*q, error);
    if (!parsed) return error_response(400, error);
    search = std::move(*parsed);
  }
  MessageFilter filter;
  filter.query = std::move(search);
  MatchQuery query{*page};
  // Mailpit's shape has no cursor: a search scans past the budget until its page is complete
  // (docs/api.md, "Mailpit clients").
  query.budget = ctx_.routes.scan;
  query.complete = true;
  query.index_pending = true;
  const auto found = find_matches(ctx_.messages, filter, query, ctx_.address_search.get());
  if (found.pending) return again_response();
  // The items rendered once per message and kept (summary_cache.hpp), joined as
  // mailpit_page's object serializes.
  std::vector<std::shared_ptr<const std::string>> items;
  items.reserve(found.messages.size());
  for (const auto& m : found.messages) items.push_back(mailpit_summaries_->get(*m));
  Response r;
  r.body = render_mailpit(ctx_.messages.size(), found.total, page->start, items);
  return r;
}

Response Router::mailpit_delete(const Request& request, const Args&) const {
  // Mailpit: no body (or no IDs) deletes everything; {"IDs": [...]} deletes those.
  if (request.body.empty()) {
    ctx_.messages.clear();
    return ok_text();
  }
  boost::system::error_code ec;
  const json::value body = json::parse(request.body, ec);
  const json::object* o = ec ? nullptr : body.if_object();
  if (!o) return error_response(400, "expected a JSON object like {\"IDs\": [\"...\"]}");
  const auto* ids = o->if_contains("IDs");
  if (!ids || ids->is_null() || (ids->is_array() && ids->as_array().empty())) {
    ctx_.messages.clear();
    return ok_text();
  }
  if (!ids->is_array()) return error_response(400, "IDs: expected an array of message ids");
  for (const auto& id : ids->as_array()) {
    if (!id.is_string() || !valid_id(id.as_string()))
      return error_response(400, "IDs: expected an array of message ids");
  }
  for (const auto& id : ids->as_array()) ctx_.messages.erase(id.as_string());
  return ok_text();
}

Response Router::mailpit_search_delete(const Request& request, const Args&) const {
  const auto* q = query_value(request.query, "query");
  if (!q || q->empty()) return error_response(400, "query: a search is required");
  std::string error;
  auto search = parse_search(*q, error);
  if (!search) return error_response(400, error);
  // The matches as a list finds them (a whole-address term through the search's address
  // index, in steps; else a scan a chunk at a time), then each erased.
  MessageFilter filter;
  filter.query = std::move(*search);
  MatchQuery query{Page{0, SIZE_MAX}};
  query.index_pending = true;
  const auto found = find_matches(ctx_.messages, filter, query, ctx_.address_search.get());
  if (found.pending) return again_response();
  for (const auto& m : found.messages) ctx_.messages.erase(m->message.queue_id);
  return ok_text();
}

Response Router::mailpit_message(const Request&, const Args& args) const {
  const auto m = mailpit_find(args[0]);
  if (!m) return error_response(404, "no such message");
  return json_response(mailpit_message_json(*m));
}

Response Router::mailpit_headers(const Request&, const Args& args) const {
  const auto m = mailpit_find(args[0]);
  if (!m) return error_response(404, "no such message");
  return json_response(mailpit_header_map(m->message.data));
}

Response Router::mailpit_raw(const Request&, const Args& args) const {
  const auto m = mailpit_find(args[0]);
  if (!m) return error_response(404, "no such message");
  Response r;
  r.content_type = "text/plain; charset=utf-8";  // Mailpit serves the source as text
  r.body = m->message.data;
  r.headers.emplace_back("Content-Security-Policy", "default-src 'none'; sandbox");
  return r;
}

Response Router::mailpit_part(const Request& request, const Args& args) const {
  const auto m = mailpit_find(args[0]);
  if (!m) return error_response(404, "no such message");
  return get_attachment(request, Args{m->message.queue_id, args[1]});
}

}  // namespace bounceback::api
