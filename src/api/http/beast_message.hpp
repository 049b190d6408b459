// Between Beast's HTTP messages and the API's plain ones (http_message.hpp): the request the
// routes and the request guard read, the headers every response carries, and the framing
// rules a request must meet before its body is trusted.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <string_view>

#include "api/http_message.hpp"
#include "api/request_guard.hpp"

namespace bounceback::api {

using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;

// RFC 9112 §6.1, §6.3: the only transfer coding we decode is chunked, alone; anything else
// ("xchunked", "identity", "gzip, chunked", two Transfer-Encoding fields, one next to a
// Content-Length, any in HTTP/1.0) leaves the body's length in doubt, so the request is
// refused and the connection closed before what follows can be read as a request.
bool framing_is_sound(
    const boost::beast::http::request_parser<boost::beast::http::string_body>& parser);

// What the request guard reads from a request.
GuardInput guard_input(const BeastRequest& req, std::string_view listener, bool listener_any);

// The request as the routes see it (HEAD becomes GET); `bad` is set on a malformed query.
Request to_request(BeastRequest& req, bool& bad);

// Routes a reserve connection (past --max-connections) may use.
bool health_route(std::string_view method, std::string_view target);

// The Allow header of a 405 names HEAD wherever GET is allowed (the transport serves HEAD).
void allow_head(Response& resp);

// The headers every response carries, then the route's own.
void set_headers(boost::beast::http::response_header<>& res, const Response& resp);

}  // namespace bounceback::api
