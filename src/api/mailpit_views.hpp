// Mailpit's JSON shapes (its API v1, as the `mailpit-api` npm package reads them) built from
// Bounceback's store: list items, one message, its headers, the instance info. Only the
// documents; the routes are in mailpit_routes.cpp (docs/api.md, "Mailpit clients").
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cstddef>
#include <string_view>

#include "store/message_store.hpp"

namespace bounceback::api {

// {"Name", "Address"} for each mailbox of every `name` header field (RFC 5322 §3.4: display
// names, angle addresses, quoted strings, groups' members); at most 1,000.
boost::json::array mailpit_addresses(std::string_view data, std::string_view name);

// A list item: ID, MessageID, Read, From, To, Cc, Bcc, ReplyTo, Subject, Created, Tags, Size,
// Attachments (a count) and Snippet (the text's first 250 characters, whitespace collapsed).
boost::json::object mailpit_list_item(const store::StoredMessage& m);

// One message: the list item's envelope plus Date, ReturnPath, Text, HTML, Inline,
// Attachments and ListUnsubscribe.
boost::json::object mailpit_message_json(const store::StoredMessage& m);

// {"Header-Name": ["value", ...]} of the header section, values unfolded, in order.
boost::json::object mailpit_header_map(std::string_view data);

// {"total","unread","count","messages_count","messages_unread","start","tags","messages"}:
// `total` counts the store, `messages_count` the matches, `count` this page.
boost::json::object mailpit_page(std::size_t stored, std::size_t matches, std::size_t start,
                                 boost::json::array items);

}  // namespace bounceback::api
