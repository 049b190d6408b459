// The original message as a report part: whole, or its header fields within the bound.
#include "report/returned.hpp"

#include "report/mime.hpp"

namespace bounceback::report {

Returned returned_content(std::string_view message, bool want_whole, std::size_t max,
                          bool headers_only) {
  Returned r;
  const auto headers = header_block(message);
  const bool global = has_8bit(headers);
  if (want_whole && !headers_only && message.size() <= max) {
    r.whole = true;
    r.type = global ? "message/global" : "message/rfc822";
    if (message.ends_with("\r\n") && clean_lines(message)) {
      r.original = message;
    } else {
      append_lines(r.copy, message);
      r.copied = true;
    }
    r.eight_bit = has_8bit(message);
    return r;
  }
  std::string_view kept = headers;
  if (kept.size() > max) {
    kept = kept.substr(0, max);
    const auto eol = kept.rfind('\n');
    kept = kept.substr(0, eol == std::string_view::npos ? 0 : eol + 1);
    // A cut inside a folded field would leave it half read: drop that field whole.
    const char next = kept.size() < headers.size() ? headers[kept.size()] : '\0';
    if (next == ' ' || next == '\t') {
      while (!kept.empty()) {
        const auto prev = kept.substr(0, kept.size() - 1).rfind('\n');
        const std::size_t start = prev == std::string_view::npos ? 0 : prev + 1;
        const bool starts_field = kept[start] != ' ' && kept[start] != '\t';
        kept = kept.substr(0, start);
        if (starts_field) break;
      }
    }
    r.cut = true;
  }
  r.type = global ? "message/global-headers" : "text/rfc822-headers";
  append_lines(r.copy, kept);
  r.copied = true;
  r.eight_bit = global;
  return r;
}

std::string_view returned_note(const Returned& r, bool wanted_whole) {
  if (wanted_whole && !r.whole)
    return "The original message was too large to be returned whole: its header fields are "
           "attached instead.";
  return {};
}

}  // namespace bounceback::report
