// JSON of a message's decoded text, HTML, attachments and links.
#include "api/message_content.hpp"

#include <algorithm>
#include <boost/json/array.hpp>

#include "scenario/message_links.hpp"
#include "scenario/text_codecs.hpp"

namespace bounceback::api {
namespace json = boost::json;
namespace {

// Header text (names, types, ids) may hold any bytes: JSON gets valid UTF-8.
json::value text_or_null(std::string_view s) {
  if (s.empty()) return nullptr;
  std::string out;
  scenario::append_valid_utf8(s, out);
  return json::string(out);
}

bool token_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$&^_.+-").find(c) != std::string_view::npos;
}

}  // namespace

std::string download_type(std::string_view type) {
  const auto slash = type.find('/');
  const bool ok =
      slash != std::string_view::npos && slash > 0 && slash + 1 < type.size() &&
      type.size() <= 127 &&
      std::all_of(type.begin(), type.end(), [](char c) { return c == '/' || token_char(c); }) &&
      type.find('/', slash + 1) == std::string_view::npos;
  return ok ? std::string(type) : "application/octet-stream";
}

std::string download_disposition(std::string_view name, std::string_view fallback) {
  if (name.empty()) name = fallback;
  std::string ascii, encoded;
  static constexpr char hex[] = "0123456789ABCDEF";
  for (const char c : name) {
    const auto b = static_cast<unsigned char>(c);
    const bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                       c == '.' || c == '-' || c == '_';
    ascii += plain ? c : '_';
    if (plain) {
      encoded += c;
    } else {
      encoded += '%';
      encoded += hex[b >> 4];
      encoded += hex[b & 15];
    }
  }
  return "attachment; filename=\"" + ascii + "\"; filename*=UTF-8''" + encoded;
}

bool valid_part_id(std::string_view part) {
  return !part.empty() && part.size() <= 32 &&
         part.find_first_not_of("0123456789.") == std::string_view::npos;
}

json::array attachments_json(const scenario::MessageParts& parts, std::string_view id) {
  json::array out;
  for (const auto& a : parts.attachments)
    out.push_back(
        json::object{{"id", a.part_id},
                     {"name", text_or_null(a.name)},
                     {"type", text_or_null(a.type)},
                     {"size", a.size},
                     {"disposition", text_or_null(a.disposition)},
                     {"content_id", text_or_null(a.content_id)},
                     {"url", "/api/v1/messages/" + std::string(id) + "/attachments/" + a.part_id}});
  return out;
}

void add_message_content(json::object& o, const store::StoredMessage& m) {
  const auto parts = scenario::message_parts(m.message.data);
  bool links_complete = true;
  const auto links = scenario::message_links(parts.text, parts.html, {}, links_complete);
  o["text"] = parts.text;
  o["html"] = parts.html;
  o["attachments"] = attachments_json(parts, m.message.queue_id);
  json::array link_array;
  for (const auto& l : links) link_array.emplace_back(l);
  o["links"] = std::move(link_array);
  json::array unknown;
  for (const auto& c : parts.unknown_charsets) unknown.push_back(text_or_null(c));
  o["mime"] = json::object{{"text_truncated", parts.text_truncated},
                           {"html_truncated", parts.html_truncated},
                           {"attachments_omitted", parts.attachments_omitted},
                           {"parts_omitted", parts.parts_omitted},
                           {"links_omitted", !links_complete},
                           {"unknown_charsets", std::move(unknown)}};
}

}  // namespace bounceback::api
