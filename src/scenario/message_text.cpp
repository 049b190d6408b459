// The text of a message for body rules: the text leaves of its MIME tree (mime_entity.hpp),
// message/rfc822 parts included, transfer-decoded and turned into UTF-8.
#include "scenario/message_text.hpp"

#include "scenario/mime_entity.hpp"
#include "scenario/text_codecs.hpp"

namespace bounceback::scenario {
namespace {

bool plain(const MimeEntity& e) {
  return e.type.starts_with("text/") && e.encoding != "base64" &&
         e.encoding != "quoted-printable" &&
         known_charset(e.charset).value_or(Charset::utf8) == Charset::utf8;
}

}  // namespace

std::string_view message_text(std::string_view message, std::string& storage) {
  const MimeEntity top = mime_entity(message);
  if (plain(top)) return top.body;
  storage.clear();
  std::string decoded;
  walk_mime(message, MimeBounds{}, true, [&](const MimeEntity& e, std::string_view) {
    if (!e.type.starts_with("text/")) return;  // images, PDFs, application/*: no text to read
    if (!storage.empty()) storage += '\n';
    const std::string_view text = transfer_decode(e.body, e.encoding, decoded);
    append_as_utf8(text, known_charset(e.charset).value_or(Charset::utf8), storage);
  });
  return storage;
}

}  // namespace bounceback::scenario
