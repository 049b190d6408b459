// Bounceback's session and attempt JSON turned into attempts (see json_reader.hpp). A
// document is bounded at 256 MiB (the session log keeps 64 MiB by default).
#include "import/json_reader.hpp"

#include <boost/json.hpp>
#include <deque>

#include "import/logged_attempt.hpp"
#include "import/reply_lines.hpp"

namespace bounceback::import {
namespace json = boost::json;

namespace {

constexpr std::size_t max_document = 256u << 20;

std::string_view str(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view{};
}

// "RCPT TO:<u@x> NOTIFY=..." -> "u@x"
std::string angle_address(std::string_view arg) {
  const auto open = arg.find('<');
  const auto close = arg.find('>', open == std::string_view::npos ? 0 : open);
  if (open == std::string_view::npos || close == std::string_view::npos) return {};
  return std::string(arg.substr(open + 1, close - open - 1));
}

bool command_is(std::string_view line, std::string_view verb) {
  if (line.size() < verb.size()) return false;
  for (std::size_t i = 0; i < verb.size(); ++i)
    if (std::toupper(static_cast<unsigned char>(line[i])) != verb[i]) return false;
  return line.size() == verb.size() || line[verb.size()] == ' ' || line[verb.size()] == ':';
}

// A session's transcript, replayed: each complete reply answers the oldest command waiting.
std::size_t read_session(const json::object& session, const Source& source, Model& model) {
  const auto* t = session.if_contains("transcript");
  if (!t || !t->is_array()) return 0;
  enum class Cmd : std::uint8_t { connect, helo, mail, rcpt, data, bdat, bdat_last, other };
  struct Waiting {
    Cmd cmd;
    std::string rcpt;
  };
  std::deque<Waiting> waiting{{Cmd::connect, {}}};
  std::string from, host;
  std::vector<std::string> accepted, reply;  // this transaction's recipients; reply so far
  bool in_message = false;                   // 354 given: the next reply ends the message
  std::size_t added = 0;
  const auto add = [&](const std::string& rcpt, Stage stage,
                       const std::vector<std::string>& lines) {
    Attempt a;
    a.stage = stage;
    a.lines = lines;
    a.host = host;
    a.source = source;
    model.add(rcpt, from, std::move(a));
    ++added;
  };
  // Recipients accepted at RCPT whose transaction ended without a message: their attempt
  // passed RCPT (what the attempt counters count).
  const auto passed = [&] {
    for (const auto& r : accepted) add(r, Stage::message, {});
    accepted.clear();
  };
  for (const auto& entry : t->as_array()) {
    if (!entry.is_object()) continue;
    const auto& e = entry.as_object();
    const std::string_view line = str(e, "line"), dir = str(e, "dir");
    if (dir == "in") {
      Waiting w{Cmd::other, {}};
      if (command_is(line, "EHLO") || command_is(line, "HELO") || command_is(line, "LHLO"))
        w.cmd = Cmd::helo;
      else if (command_is(line, "MAIL"))
        w.cmd = Cmd::mail, from = angle_address(line);
      else if (command_is(line, "RCPT"))
        w.cmd = Cmd::rcpt, w.rcpt = angle_address(line);
      else if (command_is(line, "DATA"))
        w.cmd = Cmd::data;
      else if (command_is(line, "BDAT"))
        w.cmd = line.find(" LAST") != std::string_view::npos ? Cmd::bdat_last : Cmd::bdat;
      else if (command_is(line, "RSET") || command_is(line, "QUIT"))
        passed();
      waiting.push_back(std::move(w));
      continue;
    }
    if (dir != "out" || !starts_with_reply_code(line)) continue;
    reply.emplace_back(line);
    if (line.size() > 3 && line[3] == '-') continue;  // more lines follow
    const bool positive = line[0] == '2' || line[0] == '3';
    const Cmd cmd = in_message        ? Cmd::bdat_last
                    : waiting.empty() ? Cmd::other
                                      : waiting.front().cmd;
    const std::string rcpt = waiting.empty() ? std::string{} : waiting.front().rcpt;
    if (!in_message && !waiting.empty()) waiting.pop_front();
    in_message = false;
    switch (cmd) {
      case Cmd::connect:
        if (positive && reply.front().size() > 4) {  // "220 mx.example.test ESMTP ..."
          const std::string_view rest = std::string_view(reply.front()).substr(4);
          host = std::string(rest.substr(0, rest.find(' ')));
        }
        break;
      case Cmd::rcpt:
        if (positive)
          accepted.push_back(rcpt);
        else
          add(rcpt, Stage::rcpt, reply);
        break;
      case Cmd::data:
        if (line.starts_with("354"))
          in_message = true;
        else if (!positive) {
          for (const auto& r : accepted) add(r, Stage::data, reply);
          accepted.clear();
        }
        break;
      case Cmd::bdat:
        if (!positive) {
          for (const auto& r : accepted) add(r, Stage::data, reply);
          accepted.clear();
        }
        break;
      case Cmd::bdat_last:
        for (const auto& r : accepted)
          add(r, Stage::message, positive ? std::vector<std::string>{} : reply);
        accepted.clear();
        break;
      case Cmd::mail:
      case Cmd::helo:
        passed();
        break;
      default:
        break;
    }
    reply.clear();
  }
  passed();
  return added;
}

// One record of GET /api/v1/attempts.
std::size_t read_attempt(const json::object& a, const Source& source, Model& model) {
  return add_logged_attempt(model, {str(a, "from"), str(a, "rcpt"), str(a, "stage"),
                                    str(a, "outcome"), str(a, "reply"), source})
             ? 1
             : 0;
}

std::size_t read_document(const json::value& doc, const Source& source, Model& model) {
  if (!doc.is_object()) return 0;
  const auto& o = doc.as_object();
  std::size_t added = 0;
  if (const auto* s = o.if_contains("sessions"); s && s->is_array()) {
    for (const auto& session : s->as_array())
      if (session.is_object()) added += read_session(session.as_object(), source, model);
  } else if (const auto* at = o.if_contains("attempts"); at && at->is_array()) {
    for (const auto& a : at->as_array())
      if (a.is_object()) added += read_attempt(a.as_object(), source, model);
  } else if (o.contains("transcript")) {
    added += read_session(o, source, model);
  } else if (o.contains("outcome")) {
    added += read_attempt(o, source, model);
  }
  return added;
}

}  // namespace

struct JsonReader::Parser {
  json::stream_parser p;
};

JsonReader::JsonReader() : parser_(std::make_unique<Parser>()) {}
JsonReader::~JsonReader() = default;

bool JsonReader::line(std::string_view text, const Source& source, Model& model) {
  if (!in_document_) {
    const auto first = text.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) return true;  // blank between documents
    start_ = source;
    in_document_ = true;
    bytes_ = 0;
  }
  boost::system::error_code ec;
  bytes_ += text.size() + 1;
  parser_->p.write(text.data(), text.size(), ec);
  if (!ec && !parser_->p.done()) parser_->p.write("\n", 1, ec);
  if (ec || bytes_ > max_document) {
    parser_->p.reset();
    in_document_ = false;
    return false;
  }
  if (parser_->p.done()) {
    const json::value doc = parser_->p.release();
    parser_->p.reset();
    in_document_ = false;
    ++documents_;
    added_ += read_document(doc, start_, model);
  }
  return true;
}

bool JsonReader::finish() {
  if (!in_document_) return true;
  boost::system::error_code ec;
  parser_->p.finish(ec);
  in_document_ = false;
  parser_->p.reset();
  return false;
}

}  // namespace bounceback::import
