// MIME walking for body rules: Content-Type and Content-Transfer-Encoding of each entity,
// multipart bodies split at their boundary lines, text parts decoded. Linear in the message,
// no recursion beyond max_depth.
#include "scenario/message_text.hpp"

#include "scenario/message_view.hpp"
#include "scenario/text_codecs.hpp"
#include "smtp/base64.hpp"
#include "smtp/command.hpp"

namespace bounceback::scenario {
namespace {

constexpr int max_depth = 8;
constexpr std::size_t max_parts = 1000;

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

std::string first_header(std::string_view entity, std::string_view name) {
  std::string value;
  for_each_header(entity, name, [&](std::string_view v) {
    value = std::string(v);
    return true;
  });
  return value;
}

// A parameter of a Content-Type value (RFC 2045 §5.1): name=token or name="quoted string".
std::string parameter(std::string_view value, std::string_view name) {
  auto pos = value.find(';');
  while (pos != std::string_view::npos) {
    const auto eq = value.find('=', pos + 1);
    if (eq == std::string_view::npos) break;
    const auto key = trim(value.substr(pos + 1, eq - pos - 1));
    auto start = eq + 1;
    while (start < value.size() && (value[start] == ' ' || value[start] == '\t')) ++start;
    std::string v;
    if (start < value.size() && value[start] == '"') {
      auto i = start + 1;
      for (; i < value.size() && value[i] != '"'; ++i) {
        if (value[i] == '\\' && i + 1 < value.size()) ++i;
        v += value[i];
      }
      pos = value.find(';', i);
    } else {
      pos = value.find(';', start);
      v = std::string(trim(value.substr(start, pos - start)));
    }
    if (smtp::iequals(key, name)) return v;
  }
  return {};
}

struct Entity {
  std::string type;  // "text/plain" when absent (RFC 2045 §5.2)
  std::string type_value, encoding;
  Charset charset = Charset::utf8;  // unknown charsets pass through as bytes
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  return out;
}

Entity entity_of(std::string_view entity) {
  Entity e;
  e.type_value = first_header(entity, "Content-Type");
  const std::string_view type_value = e.type_value;
  e.type = lower(trim(type_value.substr(0, type_value.find(';'))));
  if (e.type.empty()) e.type = "text/plain";
  const std::string encoding = first_header(entity, "Content-Transfer-Encoding");
  e.encoding = lower(trim(encoding));
  e.charset = known_charset(parameter(type_value, "charset")).value_or(Charset::utf8);
  return e;
}

bool plain(const Entity& e) {
  return e.type.starts_with("text/") && e.charset == Charset::utf8 && e.encoding != "base64" &&
         e.encoding != "quoted-printable";
}

// Calls f(part) for each body part between the delimiter lines of `boundary` until f returns
// false; the line break before a delimiter belongs to it (RFC 2046 §5.1.1).
template <class F>
void for_each_part(std::string_view body, std::string_view boundary, F&& f) {
  const std::string delimiter = "--" + std::string(boundary);
  std::size_t pos = 0, part_start = std::string_view::npos;
  while (pos < body.size()) {
    const auto line_start = pos;
    const auto nl = body.find('\n', pos);
    pos = nl == std::string_view::npos ? body.size() : nl + 1;
    std::string_view line = body.substr(line_start, pos - line_start);
    if (!line.starts_with(delimiter)) continue;
    line.remove_prefix(delimiter.size());
    const bool close = line.starts_with("--");
    if (close) line.remove_prefix(2);
    if (!trim(line).empty()) continue;  // a longer boundary that starts like this one
    if (part_start != std::string_view::npos) {
      auto end = line_start;
      if (end > part_start && body[end - 1] == '\n') --end;
      if (end > part_start && body[end - 1] == '\r') --end;
      if (!f(body.substr(part_start, end - part_start))) return;
    }
    if (close) return;
    part_start = pos;
  }
  // No close delimiter (a truncated message): the last part runs to the end, as clients show.
  if (part_start != std::string_view::npos && part_start < body.size()) f(body.substr(part_start));
}

void append_text(const Entity& e, std::string_view entity, int depth, std::size_t& parts,
                 std::string& out);

void append_text(std::string_view entity, int depth, std::size_t& parts, std::string& out) {
  append_text(entity_of(entity), entity, depth, parts, out);
}

void append_text(const Entity& e, std::string_view entity, int depth, std::size_t& parts,
                 std::string& out) {
  const std::string_view body = message_body(entity);
  if (e.type.starts_with("multipart/") || e.type == "message/rfc822") {
    if (depth >= max_depth) return;
    if (e.type == "message/rfc822") return append_text(body, depth + 1, parts, out);
    const std::string boundary = parameter(e.type_value, "boundary");
    if (boundary.empty()) return;  // no parts can be told apart
    for_each_part(body, boundary, [&](std::string_view part) {
      if (++parts > max_parts) return false;
      append_text(part, depth + 1, parts, out);
      return true;
    });
    return;
  }
  if (!e.type.starts_with("text/")) return;  // images, PDFs, application/*: no text to read
  if (!out.empty()) out += '\n';
  std::string decoded;
  std::string_view text = body;
  if (e.encoding == "base64") {
    decoded = smtp::base64_decode_lenient(body);
    text = decoded;
  } else if (e.encoding == "quoted-printable") {
    decode_quoted_printable(body, decoded, false);
    text = decoded;
  }
  append_as_utf8(text, e.charset, out);
}

}  // namespace

std::string_view message_text(std::string_view message, std::string& storage) {
  const Entity e = entity_of(message);
  if (plain(e)) return message_body(message);
  storage.clear();
  std::size_t parts = 0;
  append_text(e, message, 0, parts, storage);
  return storage;
}

}  // namespace bounceback::scenario
