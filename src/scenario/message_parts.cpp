// Splits a message into its text, HTML and attachments with one bounded MIME walk.
#include "scenario/message_parts.hpp"

#include <algorithm>

#include "scenario/text_codecs.hpp"

namespace bounceback::scenario {
namespace {

// Appends decoded `bytes` of `charset` to `out` as valid UTF-8, within `max` bytes in all (cut
// at a character boundary); returns false when something was cut.
bool append_text(std::string_view bytes, std::string_view charset, std::size_t max,
                 std::string& out, std::vector<std::string>& unknown) {
  std::string utf8;
  const auto known = known_charset(charset);
  if (known && *known != Charset::utf8) {
    std::string converted;
    append_as_utf8(bytes, *known, converted);
    append_valid_utf8(converted, utf8);
  } else {
    if (!known && !charset.empty() &&
        std::find(unknown.begin(), unknown.end(), charset) == unknown.end() && unknown.size() < 16)
      unknown.emplace_back(charset);
    append_valid_utf8(bytes, utf8);
  }
  if (!out.empty() && out.size() < max) out += '\n';
  if (out.size() + utf8.size() <= max) {
    out += utf8;
    return true;
  }
  std::size_t room = max > out.size() ? max - out.size() : 0;
  while (room > 0 && (static_cast<unsigned char>(utf8[room]) & 0xc0) == 0x80) --room;
  out.append(utf8, 0, room);
  return false;
}

std::size_t decoded_size(std::string_view body, std::string_view encoding) {
  std::string storage;
  return transfer_decode(body, encoding, storage).size();
}

}  // namespace

MessageParts message_parts(std::string_view message, const MessagePartsBounds& bounds) {
  MessageParts out;
  std::string decoded;
  const bool complete =
      walk_mime(message, bounds.mime, false, [&](const MimeEntity& e, std::string_view part_id) {
        std::string name = mime_file_name(e);
        const bool body_text = (e.type == "text/plain" || e.type == "text/html") &&
                               e.disposition != "attachment" && name.empty();
        if (body_text) {
          const bool html = e.type == "text/html";
          std::string& target = html ? out.html : out.text;
          const std::string_view bytes = transfer_decode(e.body, e.encoding, decoded);
          if (!append_text(bytes, e.charset, bounds.max_text, target, out.unknown_charsets))
            (html ? out.html_truncated : out.text_truncated) = true;
          return;
        }
        if (out.attachments.size() >= bounds.max_attachments) {
          ++out.attachments_omitted;
          return;
        }
        if (name.size() > bounds.max_name) {
          std::size_t cut = bounds.max_name;
          while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xc0) == 0x80) --cut;
          name.resize(cut);
        }
        AttachmentPart a;
        a.part_id = part_id.empty() ? "1" : std::string(part_id);
        a.name = std::move(name);
        a.type = e.type;
        a.disposition = e.disposition;
        a.content_id = e.content_id;
        a.body = e.body;
        a.encoding = e.encoding;
        a.size = decoded_size(e.body, e.encoding);
        out.attachments.push_back(std::move(a));
      });
  out.parts_omitted = !complete;
  return out;
}

std::string attachment_bytes(const AttachmentPart& a) {
  std::string storage;
  const std::string_view bytes = transfer_decode(a.body, a.encoding, storage);
  return storage.empty() ? std::string(bytes) : std::move(storage);
}

}  // namespace bounceback::scenario
