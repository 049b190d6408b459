// A message as a mail client shows it, for the API (docs/api.md, "GET /api/v1/messages/{id}"):
// its text and HTML bodies decoded to UTF-8, its attachments (name, type, size, where they are),
// and what was left out to stay within bounds. Computed when asked, never on the SMTP path.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "scenario/mime_entity.hpp"

namespace bounceback::scenario {

struct MessagePartsBounds {
  MimeBounds mime;                     // nesting 8, 1,000 parts
  std::size_t max_text = 1024 * 1024;  // bytes of `text`, and of `html`, after decoding
  std::size_t max_attachments = 100;   // attachments listed
  std::size_t max_name = 255;          // bytes of an attachment's name
};

struct AttachmentPart {
  std::string part_id;      // the MIME part number ("2", "1.2"), as IMAP and Mailpit number them
  std::string name;         // file name (RFC 2231 / RFC 2047 decoded), "" when none
  std::string type;         // lower-case "type/subtype"
  std::string disposition;  // "attachment", "inline" or ""
  std::string content_id;
  std::string_view body;  // into the message, still transfer-encoded
  std::string encoding;
  std::size_t size = 0;  // decoded bytes
};

struct MessageParts {
  std::string text, html;  // UTF-8; the inline text/plain and text/html parts, joined
  bool text_truncated = false, html_truncated = false;
  std::vector<AttachmentPart> attachments;
  std::size_t attachments_omitted = 0;        // past max_attachments
  std::vector<std::string> unknown_charsets;  // text decoded as UTF-8 (bad bytes as U+FFFD)
  bool parts_omitted = false;                 // nesting or part count past their bounds
};

// Walks `message` once. A text/plain or text/html part not marked `attachment` and without a
// file name is body text; every other leaf (images, files, message/rfc822) is an attachment.
MessageParts message_parts(std::string_view message, const MessagePartsBounds& bounds = {});

// The decoded bytes of an attachment.
std::string attachment_bytes(const AttachmentPart& a);

}  // namespace bounceback::scenario
