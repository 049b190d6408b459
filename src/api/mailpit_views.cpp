// Mailpit-shaped JSON of captured messages.
#include "api/mailpit_views.hpp"

#include "api/json_views.hpp"
#include "api/message_filter.hpp"
#include "scenario/message_parts.hpp"
#include "scenario/message_view.hpp"
#include "scenario/text_codecs.hpp"

namespace bounceback::api {
namespace json = boost::json;
namespace {

constexpr std::size_t max_addresses = 1000;
constexpr std::size_t snippet_length = 250;

std::string valid(std::string_view s) {
  std::string out;
  scenario::append_valid_utf8(s, out);
  return out;
}

json::object address(std::string_view name, std::string_view addr) {
  name = scenario::trim_blanks(name);
  if (name.size() >= 2 && name.front() == '"' && name.back() == '"')
    name = name.substr(1, name.size() - 2);
  return json::object{{"Name", valid(name)}, {"Address", valid(scenario::trim_blanks(addr))}};
}

// One mailbox: `Name <addr>` or `addr`; a group's `name:` prefix and `;` are dropped.
void add_mailbox(std::string_view s, json::array& out) {
  s = scenario::trim_blanks(s);
  if (const auto colon = s.find(':');
      colon != std::string_view::npos && s.find('<') > colon && s.find('@') > colon)
    s = scenario::trim_blanks(s.substr(colon + 1));  // "group: a@b" (RFC 5322 §3.4)
  while (!s.empty() && s.back() == ';') s.remove_suffix(1);
  if (s.empty() || out.size() >= max_addresses) return;
  const auto open = s.rfind('<');
  const auto close = s.rfind('>');
  if (open != std::string_view::npos && close != std::string_view::npos && close > open)
    out.push_back(address(s.substr(0, open), s.substr(open + 1, close - open - 1)));
  else
    out.push_back(address("", s));
}

std::string header(std::string_view data, std::string_view name) {
  std::string value;
  scenario::for_each_header(data, name, [&](std::string_view v) {
    value = std::string(scenario::trim_blanks(v));
    return true;
  });
  return value;
}

// `text` is valid UTF-8 (message_parts): whole sequences are copied, so the cut is clean.
std::string snippet(std::string_view text) {
  std::string out;
  bool space = false;
  for (std::size_t i = 0; i < text.size() && out.size() < snippet_length; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    const std::size_t n = c < 0xc0 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
    out.append(text.substr(i, n));
    i += n - 1;
  }
  return out;
}

json::array attachment_list(const scenario::MessageParts& parts, bool inline_ones) {
  json::array out;
  for (const auto& a : parts.attachments) {
    const bool is_inline = a.disposition == "inline" ||
                           (a.disposition.empty() && a.name.empty() && !a.content_id.empty());
    if (is_inline != inline_ones) continue;
    out.push_back(json::object{{"PartID", a.part_id},
                               {"FileName", valid(a.name)},
                               {"ContentType", valid(a.type)},
                               {"ContentID", valid(a.content_id)},
                               {"Size", a.size}});
  }
  return out;
}

json::object envelope(const store::StoredMessage& stored, const scenario::MessageParts& parts) {
  const auto& m = stored.message;
  json::array from = mailpit_addresses(m.data, "From");
  json::array to = mailpit_addresses(m.data, "To");
  if (to.empty())  // no To: header: the envelope recipients, as Mailpit shows Bcc-only mail
    for (const auto& r : m.rcpts) to.push_back(address("", r.address));
  std::string message_id = header(m.data, "Message-ID");
  if (message_id.size() >= 2 && message_id.front() == '<' && message_id.back() == '>')
    message_id = message_id.substr(1, message_id.size() - 2);
  return json::object{
      {"ID", m.queue_id},
      {"MessageID", valid(message_id)},
      {"Read", false},
      {"From", from.empty() ? json::value(address("", m.from)) : from.front()},
      {"To", std::move(to)},
      {"Cc", mailpit_addresses(m.data, "Cc")},
      {"Bcc", json::array()},
      {"ReplyTo", mailpit_addresses(m.data, "Reply-To")},
      {"Subject", valid(message_subject(m.data))},
      {"Created", rfc3339(stored.received_at)},
      {"Username", valid(m.auth_user)},
      {"Tags", json::array()},
      {"Size", m.data.size()},
      {"Snippet", snippet(parts.text.empty() ? std::string_view(parts.html) : parts.text)}};
}

}  // namespace

json::array mailpit_addresses(std::string_view data, std::string_view name) {
  json::array out;
  scenario::for_each_header(data, name, [&](std::string_view v) {
    // Split at commas outside quoted strings and angle brackets.
    bool quoted = false;
    int angle = 0;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= v.size(); ++i) {
      const char c = i < v.size() ? v[i] : ',';
      if (c == '"' && (i == 0 || v[i - 1] != '\\')) quoted = !quoted;
      if (!quoted && c == '<') ++angle;
      if (!quoted && c == '>' && angle > 0) --angle;
      if (c == ',' && ((!quoted && angle == 0) || i == v.size())) {
        add_mailbox(v.substr(start, i - start), out);
        start = i + 1;
      }
    }
    return out.size() >= max_addresses;
  });
  return out;
}

json::object mailpit_list_item(const store::StoredMessage& m) {
  const auto parts = scenario::message_parts(m.message.data);
  json::object o = envelope(m, parts);
  o["Attachments"] = parts.attachments.size();
  return o;
}

json::object mailpit_message_json(const store::StoredMessage& m) {
  const auto parts = scenario::message_parts(m.message.data);
  json::object o = envelope(m, parts);
  o.erase("Snippet");
  o.erase("Read");
  o.erase("Created");
  o["Date"] = rfc3339(m.received_at);
  o["ReturnPath"] = valid(m.message.from);
  o["Text"] = parts.text;
  o["HTML"] = parts.html;
  o["Inline"] = attachment_list(parts, true);
  o["Attachments"] = attachment_list(parts, false);
  const std::string unsubscribe = header(m.message.data, "List-Unsubscribe");
  json::array links;
  std::string_view rest = unsubscribe;
  while (!rest.empty() && links.size() < 16) {
    const auto open = rest.find('<');
    const auto close = open == std::string_view::npos ? open : rest.find('>', open);
    if (close == std::string_view::npos) break;
    links.emplace_back(valid(rest.substr(open + 1, close - open - 1)));
    rest.remove_prefix(close + 1);
  }
  o["ListUnsubscribe"] =
      json::object{{"Header", valid(unsubscribe)},
                   {"Links", std::move(links)},
                   {"Errors", ""},
                   {"HeaderPost", valid(header(m.message.data, "List-Unsubscribe-Post"))}};
  return o;
}

json::object mailpit_header_map(std::string_view data) {
  json::object out;
  for (const auto& field : header_fields(data)) {
    const auto& f = field.as_object();
    const std::string name = valid(f.at("name").as_string());
    auto& values = out[name];
    if (!values.is_array()) values = json::array();
    values.as_array().emplace_back(valid(f.at("value").as_string()));
  }
  return out;
}

json::object mailpit_page(std::size_t stored, std::size_t matches, std::size_t start,
                          json::array items) {
  const std::size_t count = items.size();
  return json::object{{"total", stored},
                      {"unread", stored},
                      {"count", count},
                      {"messages_count", matches},
                      {"messages_unread", matches},
                      {"start", start},
                      {"tags", json::array()},
                      {"messages", std::move(items)}};
}

}  // namespace bounceback::api
