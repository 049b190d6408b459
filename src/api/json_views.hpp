// JSON views of the store, the session log, the attempt log and the catalogue, in the shapes
// of the HTTP API contract (PRODUCT.md "HTTP API"). Pure functions of their inputs.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <string>
#include <string_view>

#include "catalog/catalog.hpp"
#include "scenario/attempt_log.hpp"
#include "store/message_store.hpp"
#include "store/refusal_log.hpp"
#include "store/session_log.hpp"

namespace bounceback::api {

// "2024-05-01T12:34:56.789Z" (RFC 3339, UTC, milliseconds).
std::string rfc3339(std::chrono::system_clock::time_point t);

// The header section's fields as {"name","value"} pairs, in order, unfolded (RFC 5322 §2.2.3);
// at most 1,000.
boost::json::array header_fields(std::string_view data);

// {"id","from","to":[...],"subject","size","received_at","session_id"}
boost::json::object message_summary(const store::StoredMessage& m);
// The summary plus envelope details, DSN parameters, headers, TLS/AUTH facts and `session`
// (the session's summary, when still in the log; null otherwise).
boost::json::object message_detail(const store::StoredMessage& m,
                                   const store::SessionRecord* session);
// {"id","client_ip","started_at","ended_at","tls","auth_user",...,"transcript":[...]}
boost::json::object session_json(const store::SessionView& s, bool with_transcript);
// {"at","from","rcpt","client_ip","session_id","reply","gap_ms"}
boost::json::object attempt_json(const scenario::AttemptRecord& a);
// {"id","at","code","enhanced","class","text","reply","stage","from","rcpt","recipients",
//  "client_ip","session_id"}
boost::json::object refusal_json(const store::Refusal& r);
// {"code","enhanced","class","bounce","meaning","action",...}
boost::json::object explanation_json(const catalog::Explanation& x);

// {"error": message}, serialized.
std::string error_body(std::string_view message);
std::string serialize(const boost::json::value& v);

}  // namespace bounceback::api
