// Fuzzes the text body and header rules read: MIME decoding (scenario/message_text.hpp) and
// RFC 2047 encoded-words (scenario/encoded_words.hpp). Invariants: no crash, no unbounded
// output (at most three times the input, plus a line break per text part), a plain body is a view
// into the message, and text without "=?" decodes to itself. The API's view (message_parts,
// message_links): text and HTML valid UTF-8 within their bound, attachments and links within
// theirs, every attachment body a view into the message.
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "scenario/encoded_words.hpp"
#include "scenario/message_links.hpp"
#include "scenario/message_parts.hpp"
#include "scenario/message_text.hpp"
#include "scenario/text_codecs.hpp"

using namespace bounceback;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string storage;
  const auto text = scenario::message_text(in, storage);
  if (storage.empty() && !text.empty())
    FUZZ_CHECK(text.data() >= in.data() && text.data() + text.size() <= in.data() + in.size());
  FUZZ_CHECK(text.size() <= 3 * in.size() + 1000);
  const auto decoded = scenario::decode_encoded_words(in);
  FUZZ_CHECK(decoded.size() <= 3 * in.size());
  if (in.find("=?") == std::string_view::npos) FUZZ_CHECK(decoded == in);

  const scenario::MessagePartsBounds bounds;
  const auto parts = scenario::message_parts(in, bounds);
  for (const std::string* s : {&parts.text, &parts.html}) {
    FUZZ_CHECK(s->size() <= bounds.max_text);
    std::string valid;
    scenario::append_valid_utf8(*s, valid);
    FUZZ_CHECK(valid == *s);
  }
  FUZZ_CHECK(parts.attachments.size() <= bounds.max_attachments);
  for (const auto& a : parts.attachments) {
    FUZZ_CHECK(a.name.size() <= bounds.max_name);
    FUZZ_CHECK(a.body.empty() || (a.body.data() >= in.data() &&
                                  a.body.data() + a.body.size() <= in.data() + in.size()));
    FUZZ_CHECK(scenario::attachment_bytes(a).size() == a.size);
  }
  bool complete = true;
  const scenario::LinkBounds link_bounds;
  const auto links = scenario::message_links(parts.text, parts.html, link_bounds, complete);
  FUZZ_CHECK(links.size() <= link_bounds.max_links);
  for (const auto& l : links) FUZZ_CHECK(l.size() <= link_bounds.max_length);
  return 0;
}
