// The decoded content of a message in the API's JSON: `text`, `html`, `attachments` (with their
// download route), `links`, and `mime` (what the bounds left out). Decoded on each request from
// the stored bytes: linear in the message, never on the SMTP path (docs/api.md).
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>

#include "scenario/message_parts.hpp"
#include "store/message_store.hpp"

namespace bounceback::api {

// Adds the fields above to `o` (a message's detail); attachment URLs start with
// `/api/v1/messages/ID/attachments/`.
void add_message_content(boost::json::object& o, const store::StoredMessage& m);

// The same fields from already decoded parts (the Mailpit view reuses them).
boost::json::array attachments_json(const scenario::MessageParts& parts, std::string_view id);

// The Content-Type an attachment is served with: its own when it is a well-formed
// `type/subtype` token pair, else application/octet-stream (the value came from the message).
std::string download_type(std::string_view type);

// `attachment; filename="ascii"; filename*=UTF-8''...` (RFC 6266): the browser saves it under
// its name; `fallback` (the part number) names it when it has none.
std::string download_disposition(std::string_view name, std::string_view fallback);

// A MIME part number as the attachment route takes it: 1-32 characters of digits and dots.
bool valid_part_id(std::string_view part);

}  // namespace bounceback::api
