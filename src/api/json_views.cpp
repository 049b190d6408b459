// Builds the API's JSON documents from store, session and catalogue data.
#include "api/json_views.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <cstdio>
#include <ctime>

#include "api/message_filter.hpp"

namespace bounceback::api {
namespace json = boost::json;
namespace {

json::value string_or_null(std::string_view s) {
  return s.empty() ? json::value(nullptr) : json::value(json::string(s));
}

}  // namespace

// Header fields of the header section as {"name","value"} pairs, unfolded (RFC 5322 §2.2.3).
json::array header_fields(std::string_view data) {
  json::array out;
  std::size_t pos = 0;
  std::string name, value;
  auto flush = [&] {
    if (!name.empty()) out.push_back(json::object{{"name", name}, {"value", value}});
    name.clear();
    value.clear();
  };
  while (pos < data.size()) {
    auto eol = data.find('\n', pos);
    if (eol == std::string_view::npos) eol = data.size();
    std::string_view line = data.substr(pos, eol - pos);
    pos = eol + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;  // end of the header section
    if (line.front() == ' ' || line.front() == '\t') {
      if (!name.empty()) value += line;
      continue;
    }
    flush();
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;  // not a field; skip it
    name = std::string(line.substr(0, colon));
    std::string_view v = line.substr(colon + 1);
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    value = std::string(v);
    if (out.size() >= 1000) break;  // bound the document
  }
  flush();
  return out;
}

std::string rfc3339(std::chrono::system_clock::time_point t) {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000 - (ms % 1000 < 0 ? 1 : 0));
  const int millis = static_cast<int>(((ms % 1000) + 1000) % 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  return buf;
}

json::object message_summary(const store::StoredMessage& stored) {
  const auto& m = stored.message;
  json::array to;
  for (const auto& r : m.rcpts) to.emplace_back(r.address);
  return json::object{{"id", m.queue_id},
                      {"from", m.from},
                      {"to", std::move(to)},
                      {"subject", message_subject(m.data)},
                      {"size", m.data.size()},
                      {"received_at", rfc3339(stored.received_at)},
                      {"session_id", m.session_id},
                      {"client_ip", m.client_ip},
                      {"generated", string_or_null(m.generated)},
                      {"about", string_or_null(m.about)}};
}

json::object message_detail(const store::StoredMessage& stored,
                            const store::SessionRecord* session) {
  const auto& m = stored.message;
  json::object o = message_summary(stored);
  json::array rcpts;
  for (const auto& r : m.rcpts)
    rcpts.push_back(json::object{{"address", r.address},
                                 {"notify", string_or_null(r.params.notify)},
                                 {"orcpt", string_or_null(r.params.orcpt)}});
  o["recipients"] = std::move(rcpts);
  o["sequence"] = stored.sequence;
  o["helo"] = m.helo;
  o["tls"] = m.tls;
  o["tls_version"] = string_or_null(m.tls_version);
  o["tls_cipher"] = string_or_null(m.tls_cipher);
  o["auth_user"] = string_or_null(m.auth_user);
  o["chunked"] = m.chunked;
  o["params"] =
      json::object{{"size", m.params.size ? json::value(*m.params.size) : json::value(nullptr)},
                   {"body", string_or_null(m.params.body)},
                   {"smtputf8", m.params.smtputf8},
                   {"ret", string_or_null(m.params.ret)},
                   {"envid", string_or_null(m.params.envid)},
                   {"auth", string_or_null(m.params.auth)}};
  o["headers"] = header_fields(m.data);
  o["session"] = session ? json::value(session_json(session->view(false), false)) : nullptr;
  return o;
}

json::object session_json(const store::SessionView& s, bool with_transcript) {
  const auto& f = s.facts;
  json::object o{{"id", f.id},
                 {"client_ip", f.client_ip},
                 {"client_port", f.client_port},
                 {"started_at", rfc3339(s.started_at)},
                 {"ended_at", s.ended_at ? json::value(rfc3339(*s.ended_at)) : nullptr},
                 {"helo", string_or_null(f.helo)},
                 {"esmtp", f.esmtp},
                 {"tls", f.tls},
                 {"tls_version", string_or_null(f.tls_version)},
                 {"tls_cipher", string_or_null(f.tls_cipher)},
                 {"auth_user", string_or_null(f.auth_user)},
                 {"messages", f.messages}};
  if (with_transcript) {
    json::array lines;
    lines.reserve(s.transcript.size());
    for (const auto& l : s.transcript)
      lines.push_back(
          json::object{{"at", rfc3339(l.at)}, {"dir", l.inbound ? "in" : "out"}, {"line", l.text}});
    o["transcript"] = std::move(lines);
    o["dropped_lines"] = s.dropped_lines;
    if (s.elided)
      o["elided"] = json::object{
          {"after", s.elided->after}, {"lines", s.elided->lines}, {"bytes", s.elided->bytes}};
    else
      o["elided"] = nullptr;
    if (s.evicted) o["evicted"] = true;
  }
  return o;
}

json::object attempt_json(const scenario::AttemptRecord& a) {
  return json::object{{"at", rfc3339(a.at)},
                      {"from", a.from},
                      {"rcpt", a.rcpt},
                      {"client_ip", a.client_ip},
                      {"session_id", a.session_id},
                      {"stage", smtp::to_string(a.stage)},
                      {"reply", string_or_null(a.reply)},
                      {"sent_at", a.sent_at ? json::value(rfc3339(*a.sent_at)) : nullptr},
                      {"client_gone", a.client_gone},
                      {"stored", a.stored},
                      {"outcome", scenario::to_string(a.outcome)},
                      {"gap_ms", a.gap ? json::value(a.gap->count()) : nullptr}};
}

json::object refusal_json(const store::Refusal& r) {
  const bool replied = r.outcome == store::RefusalOutcome::reply;
  std::string reply;  // the reply as one line, as in /attempts; "" when none was sent
  if (replied) {
    reply = std::to_string(r.code);
    if (!r.enhanced.empty()) reply += ' ' + r.enhanced;
    if (!r.text.empty()) reply += ' ' + r.text;
  }
  return json::object{
      {"id", r.id},
      {"at", rfc3339(r.at)},
      {"outcome", store::to_string(r.outcome)},
      {"code", r.code},
      {"enhanced", r.enhanced.empty() ? json::value(nullptr) : json::value(r.enhanced)},
      {"class", r.permanent() ? "permanent" : "temporary"},
      {"text", r.text},
      {"reply", std::move(reply)},
      {"stage", smtp::to_string(r.stage)},
      {"from", r.from},
      {"rcpt", r.rcpt},
      {"recipients", r.recipients},
      {"client_ip", r.client_ip},
      {"session_id", r.session_id}};
}

json::object explanation_json(const catalog::Explanation& x) {
  return json::object{{"code", string_or_null(x.code)},
                      {"enhanced", string_or_null(x.enhanced)},
                      {"class", x.klass},
                      {"bounce", x.bounce ? json::value(*x.bounce) : nullptr},
                      {"meaning", x.meaning},
                      {"action", x.action},
                      {"note", string_or_null(x.note)},
                      {"code_meaning", string_or_null(x.code_meaning)},
                      {"example", string_or_null(x.example)},
                      {"reference", string_or_null(x.reference)},
                      {"warning", string_or_null(x.warning)},
                      {"provider", string_or_null(x.provider)}};
}

std::string error_body(std::string_view message) {
  return json::serialize(json::object{{"error", message}});
}

std::string serialize(const json::value& v) {
  return json::serialize(v);
}

}  // namespace bounceback::api
