// The HTTP API's routes as data (method + path pattern -> handler) and their handlers.
// Synchronous and Asio-free: long-polls and event streams come back as Deferred work that
// the transport (src/api/http) completes.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "api/api_context.hpp"
#include "api/http_message.hpp"
#include "api/query_params.hpp"
#include "api/summary_cache.hpp"

namespace bounceback::api {

class Router {
 public:
  explicit Router(ApiContext& ctx) : ctx_(ctx) {}

  Response handle(const Request& request) const;

  // Long-poll: the response when a message matching `filter` is stored, else nullopt.
  // `checked` (0 at first) is the newest sequence already looked at, updated by each call.
  std::optional<Response> wait_check(const MessageFilter& filter, Page page,
                                     std::uint64_t& checked) const;
  static Response wait_timeout();
  // One SSE "message" event's data: the message summary as one line of JSON.
  static std::string event_message(const store::StoredMessage& message);

  ApiContext& context() const { return ctx_; }

 private:
  using Args = std::vector<std::string>;  // decoded {placeholders}, in order
  using Handler = Response (Router::*)(const Request&, const Args&) const;
  struct Route {
    std::string_view method;
    std::string_view pattern;  // segments; "{name}" captures one
    Handler handler;
    std::string_view params;  // accepted query parameters (canonical names), space-separated
    bool open = false;        // served without the API token
    bool form_query = false;  // the query is HTML-form encoded ('+' a space), as Mailpit's
  };
  static std::span<const Route> routes();

  bool authorized(const Request& request) const;

  Response index(const Request&, const Args&) const;
  Response healthz(const Request&, const Args&) const;
  Response metrics(const Request&, const Args&) const;
  Response list_messages(const Request&, const Args&) const;
  Response wait_message(const Request&, const Args&) const;
  Response get_message(const Request&, const Args&) const;
  Response get_raw(const Request&, const Args&) const;
  Response get_attachment(const Request&, const Args&) const;
  Response issue_html(const Request&, const Args&) const;  // html_routes.cpp
  Response get_html(const Request&, const Args&) const;
  Response delete_messages(const Request&, const Args&) const;
  Response delete_message(const Request&, const Args&) const;
  Response list_sessions(const Request&, const Args&) const;
  Response get_session(const Request&, const Args&) const;
  Response list_attempts(const Request&, const Args&) const;
  Response list_refusals(const Request&, const Args&) const;
  Response delete_refusals(const Request&, const Args&) const;
  Response get_scenario(const Request&, const Args&) const;
  Response export_scenario(const Request&, const Args&) const;
  Response put_scenario(const Request&, const Args&) const;
  Response reset_scenario(const Request&, const Args&) const;
  Response list_codes(const Request&, const Args&) const;
  Response get_code(const Request&, const Args&) const;
  Response get_clock(const Request&, const Args&) const;
  Response advance_clock(const Request&, const Args&) const;
  Response events(const Request&, const Args&) const;

  // Mailpit-compatible routes (mailpit_routes.cpp).
  store::MessagePtr mailpit_find(std::string_view id) const;  // an id or "latest"
  Response mailpit_info(const Request&, const Args&) const;
  Response mailpit_list(const Request&, const Args&) const;
  Response mailpit_delete(const Request&, const Args&) const;
  Response mailpit_search_delete(const Request&, const Args&) const;
  Response mailpit_message(const Request&, const Args&) const;
  Response mailpit_headers(const Request&, const Args&) const;
  Response mailpit_raw(const Request&, const Args&) const;
  Response mailpit_part(const Request&, const Args&) const;

  ApiContext& ctx_;
  // The summaries listed last, as JSON text (a list's items, not rendered on every call).
  std::shared_ptr<SummaryCache> summaries_ = std::make_shared<SummaryCache>();
  // Mailpit's list items likewise (each reads the message's MIME parts: ~6 us).
  std::shared_ptr<SummaryCache> mailpit_summaries_ =
      std::make_shared<SummaryCache>(4096, &mailpit_list_text);
  // A page of summaries (summary_cache.hpp's render), rendered from the cache.
  Response summary_page(std::size_t total, Page page,
                        const std::vector<store::MessagePtr>& messages, bool more,
                        std::uint64_t next, const store::StoredMessage* top = nullptr) const;
};

// {"error": message} with `status`.
Response error_response(unsigned status, std::string_view message);
// A route that did a bounded step of its work asks to run again (Deferred::Kind::again).
Response again_response();
// `v` serialized, followed by a newline, with `status`.
Response json_response(const boost::json::value& v, unsigned status = 200);

}  // namespace bounceback::api
