// MIME entity headers and parameters (RFC 2045, RFC 2183, RFC 2231), transfer decoding, and the
// delimiter scan of multipart bodies. Every loop is bounded by its input.
#include "scenario/mime_entity.hpp"

#include <vector>

#include "scenario/message_view.hpp"
#include "scenario/text_codecs.hpp"
#include "smtp/base64.hpp"
#include "smtp/command.hpp"

namespace bounceback::scenario {
namespace {

constexpr std::size_t max_sections = 64;  // RFC 2231 continuations of one parameter

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  return out;
}

std::string first_header(std::string_view entity, std::string_view name) {
  std::string value;
  for_each_header(entity, name, [&](std::string_view v) {
    value = std::string(v);
    return true;
  });
  return value;
}

struct Param {
  std::string_view key;
  std::string value;
};

// The `;`-separated parameters of a field value, keys as written, quoted strings unquoted.
std::vector<Param> parameters(std::string_view value) {
  std::vector<Param> out;
  auto pos = value.find(';');
  while (pos != std::string_view::npos) {
    const auto eq = value.find('=', pos + 1);
    if (eq == std::string_view::npos) break;
    const auto key = trim_blanks(value.substr(pos + 1, eq - pos - 1));
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
      v = std::string(trim_blanks(value.substr(start, pos - start)));
    }
    out.push_back({key, std::move(v)});
  }
  return out;
}

void percent_decode(std::string_view in, std::string& out) {
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size() && hex_digit(in[i + 1]) >= 0 &&
        hex_digit(in[i + 2]) >= 0) {
      out += static_cast<char>(hex_digit(in[i + 1]) * 16 + hex_digit(in[i + 2]));
      i += 2;
    } else {
      out += in[i];
    }
  }
}

// `key` is `name*N` or `name*N*`: its section number, or -1.
int section_of(std::string_view key, std::string_view name, bool& extended) {
  if (key.size() <= name.size() + 1 || !smtp::iequals(key.substr(0, name.size()), name) ||
      key[name.size()] != '*')
    return -1;
  std::string_view digits = key.substr(name.size() + 1);
  extended = digits.ends_with('*');
  if (extended) digits.remove_suffix(1);
  if (digits.empty() || digits.size() > 2 || digits.find_first_not_of("0123456789") != digits.npos)
    return -1;
  return std::stoi(std::string(digits));
}

// RFC 2231 §4: `charset'language'%XX...` (the first section only carries the charset).
std::string charset_prefix(std::string_view& v) {
  const auto q1 = v.find('\'');
  const auto q2 = q1 == std::string_view::npos ? q1 : v.find('\'', q1 + 1);
  if (q2 == std::string_view::npos) return {};
  std::string charset(v.substr(0, q1));
  v.remove_prefix(q2 + 1);
  return charset;
}

std::string to_utf8(std::string_view bytes, std::string_view charset) {
  std::string out;
  if (const auto known = known_charset(charset)) {
    std::string converted;
    append_as_utf8(bytes, *known, converted);
    append_valid_utf8(converted, out);
  } else {
    append_valid_utf8(bytes, out);
  }
  return out;
}

}  // namespace

MimeEntity mime_entity(std::string_view entity) {
  MimeEntity e;
  e.entity = entity;
  e.body = message_body(entity);
  e.type_value = first_header(entity, "Content-Type");
  e.type = lower(trim_blanks(std::string_view(e.type_value).substr(0, e.type_value.find(';'))));
  if (e.type.empty() || e.type.find('/') == std::string::npos) e.type = "text/plain";
  e.encoding = lower(trim_blanks(first_header(entity, "Content-Transfer-Encoding")));
  e.charset = header_parameter(e.type_value, "charset");
  e.disposition_value = first_header(entity, "Content-Disposition");
  const std::string_view dv = e.disposition_value;
  e.disposition = lower(trim_blanks(dv.substr(0, dv.find(';'))));
  std::string id = std::string(trim_blanks(first_header(entity, "Content-ID")));
  if (id.size() >= 2 && id.front() == '<' && id.back() == '>') id = id.substr(1, id.size() - 2);
  e.content_id = std::move(id);
  return e;
}

std::string header_parameter(std::string_view value, std::string_view name) {
  if (value.find(';') == std::string_view::npos) return {};
  const auto params = parameters(value);
  for (const auto& p : params)
    if (smtp::iequals(p.key, name)) return p.value;
  // RFC 2231 §4: name*=charset'lang'value, percent-encoded.
  for (const auto& p : params) {
    if (p.key.size() == name.size() + 1 && p.key.back() == '*' &&
        smtp::iequals(p.key.substr(0, name.size()), name)) {
      std::string_view v = p.value;
      const std::string charset = charset_prefix(v);
      std::string bytes;
      percent_decode(v, bytes);
      return to_utf8(bytes, charset);
    }
  }
  // RFC 2231 §3: name*0, name*1*, ... joined in order; a missing section ends the value.
  std::vector<const Param*> sections(max_sections, nullptr);
  std::vector<bool> extended(max_sections, false);
  bool any = false;
  for (const auto& p : params) {
    bool ext = false;
    const int n = section_of(p.key, name, ext);
    if (n < 0 || n >= static_cast<int>(max_sections) || sections[n]) continue;
    sections[n] = &p;
    extended[n] = ext;
    any = true;
  }
  if (!any) return {};
  std::string bytes, charset;
  for (std::size_t n = 0; n < max_sections && sections[n]; ++n) {
    std::string_view v = sections[n]->value;
    if (n == 0 && extended[0]) charset = charset_prefix(v);
    if (extended[n])
      percent_decode(v, bytes);
    else
      bytes += v;
  }
  return to_utf8(bytes, charset);
}

std::string mime_file_name(const MimeEntity& e) {
  std::string name = header_parameter(e.disposition_value, "filename");
  if (name.empty()) name = header_parameter(e.type_value, "name");
  return name;
}

std::string_view transfer_decode(std::string_view body, std::string_view encoding,
                                 std::string& storage) {
  storage.clear();
  if (encoding == "base64") {
    storage = smtp::base64_decode_lenient(body);
    return storage;
  }
  if (encoding == "quoted-printable") {
    decode_quoted_printable(body, storage, false);
    return storage;
  }
  return body;
}

namespace detail {

bool next_delimiter(std::string_view body, std::string_view delimiter, std::size_t& pos,
                    std::size_t& line_start, bool& close) {
  while (pos < body.size()) {
    line_start = pos;
    const auto nl = body.find('\n', pos);
    pos = nl == std::string_view::npos ? body.size() : nl + 1;
    std::string_view line = body.substr(line_start, pos - line_start);
    if (!line.starts_with(delimiter)) continue;
    line.remove_prefix(delimiter.size());
    close = line.starts_with("--");
    if (close) line.remove_prefix(2);
    if (!trim_blanks(line).empty()) continue;  // a longer boundary that starts like this one
    return true;
  }
  return false;
}

}  // namespace detail
}  // namespace bounceback::scenario
