// One MIME entity as body rules and the API read it: its Content-Type, transfer encoding and
// disposition (RFC 2045 §5-6, RFC 2183), parameters with RFC 2231 continuations and charsets,
// and a walk over the tree of a message (RFC 2046 §5.1 multipart, §5.2.1 message/rfc822),
// bounded in depth and part count. Pure and linear in the message.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace bounceback::scenario {

struct MimeEntity {
  std::string type;         // lower-case "type/subtype"; "text/plain" when absent (RFC 2045 §5.2)
  std::string type_value;   // the Content-Type field's value, unfolded
  std::string encoding;     // lower-case Content-Transfer-Encoding; "" is 7bit
  std::string charset;      // the charset parameter as written; "" when absent
  std::string disposition;  // lower-case "inline", "attachment", or "" (RFC 2183)
  std::string disposition_value;
  std::string content_id;   // without its angle brackets
  std::string_view entity;  // the whole entity: header section and body
  std::string_view body;    // the body, still transfer-encoded
};

MimeEntity mime_entity(std::string_view entity);

// A parameter of a structured field value (`type/sub; name=value; ...`, RFC 2045 §5.1): a token
// or quoted string, or RFC 2231's extended forms (`name*=UTF-8''%E2%82%AC`, continuations
// `name*0`, `name*1*`, at most 64 sections), decoded to UTF-8 where the charset is known; ""
// when absent.
std::string header_parameter(std::string_view value, std::string_view name);

// The entity's file name: Content-Disposition's `filename`, else Content-Type's `name`.
std::string mime_file_name(const MimeEntity& e);

// The body with its transfer encoding undone (base64, quoted-printable; 7bit, 8bit, binary and
// unknown encodings as they are): a view into `body`, or into `storage` when decoded.
std::string_view transfer_decode(std::string_view body, std::string_view encoding,
                                 std::string& storage);

struct MimeBounds {
  int max_depth = 8;             // multipart and message/rfc822 nesting
  std::size_t max_parts = 1000;  // body parts visited in all
};

// Calls `leaf(const MimeEntity&, std::string_view part_id)` for every entity of `message` that is
// not a multipart, in order. `part_id` numbers body parts as IMAP and Mailpit do ("1", "2.1"; ""
// for a single-part message's own body). A message/rfc822 entity is entered when `into_messages`
// and is a leaf otherwise. Returns false when a bound left parts unvisited.
template <class Leaf>
bool walk_mime(std::string_view message, const MimeBounds& bounds, bool into_messages, Leaf&& leaf);

// Calls `part(std::string_view)` for each body part between the delimiter lines of `boundary`
// until it returns false; the line break before a delimiter belongs to the delimiter (RFC 2046
// §5.1.1). With no close delimiter (a truncated message) the last part runs to the end, as
// mail clients show it.
template <class Part>
void for_each_part(std::string_view body, std::string_view boundary, Part&& part);

// ---- implementation ---------------------------------------------------------------------------

namespace detail {
// Where the next delimiter line of `delimiter` ("--boundary") starts at or after `pos`, and
// where the line after it starts; `close` tells a close delimiter. false when there is none.
bool next_delimiter(std::string_view body, std::string_view delimiter, std::size_t& pos,
                    std::size_t& line_start, bool& close);

template <class Leaf>
bool walk(const MimeEntity& e, const MimeBounds& b, bool into, int depth, std::size_t& parts,
          const std::string& id, Leaf& leaf) {
  const bool multipart = e.type.starts_with("multipart/");
  const bool message = into && e.type == "message/rfc822";
  if (!multipart && !message) {
    leaf(e, std::string_view(id));
    return true;
  }
  if (depth >= b.max_depth) return false;
  if (message) return walk(mime_entity(e.body), b, into, depth + 1, parts, id, leaf);
  const std::string boundary = header_parameter(e.type_value, "boundary");
  if (boundary.empty()) return true;  // no parts can be told apart
  bool complete = true;
  std::size_t n = 0;
  for_each_part(e.body, boundary, [&](std::string_view part) {
    if (++parts > b.max_parts) return complete = false;
    const std::string child = (id.empty() ? "" : id + ".") + std::to_string(++n);
    complete = walk(mime_entity(part), b, into, depth + 1, parts, child, leaf) && complete;
    return true;
  });
  return complete;
}
}  // namespace detail

template <class Part>
void for_each_part(std::string_view body, std::string_view boundary, Part&& part) {
  const std::string delimiter = "--" + std::string(boundary);
  std::size_t pos = 0, line_start = 0, part_start = std::string_view::npos;
  bool close = false;
  while (detail::next_delimiter(body, delimiter, pos, line_start, close)) {
    if (part_start != std::string_view::npos) {
      auto end = line_start;
      if (end > part_start && body[end - 1] == '\n') --end;
      if (end > part_start && body[end - 1] == '\r') --end;
      if (!part(body.substr(part_start, end - part_start))) return;
    }
    if (close) return;
    part_start = pos;
  }
  if (part_start != std::string_view::npos && part_start < body.size())
    part(body.substr(part_start));
}

template <class Leaf>
bool walk_mime(std::string_view message, const MimeBounds& bounds, bool into_messages,
               Leaf&& leaf) {
  std::size_t parts = 0;
  return detail::walk(mime_entity(message), bounds, into_messages, 0, parts, std::string(), leaf);
}

}  // namespace bounceback::scenario
