// Format detection and the mail-log readers' glue (see importer.hpp). A log's deliveries are
// tied to their sender through the queue id of the "from=" (Postfix, Sendmail) or "<=" (Exim)
// line, in a bounded table.
#include "import/importer.hpp"

#include <unordered_map>

#include "import/dsn_reader.hpp"
#include "import/json_reader.hpp"
#include "import/log_lines.hpp"
#include "import/reply_lines.hpp"

namespace bounceback::import {
namespace {

constexpr std::size_t max_samples = 5, max_senders = 100'000;

enum class Format : std::uint8_t { unknown, log, dsn, json };

// An RFC 5322 header field name and colon, or an mbox "From " line: a message.
bool looks_like_message(std::string_view l) {
  if (l.starts_with("From ")) return true;
  const auto colon = l.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 76) return false;
  for (std::size_t i = 0; i < colon; ++i) {
    const char c = l[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
      return false;
  }
  return true;
}

}  // namespace

struct Importer::State {
  std::string name;
  std::size_t line = 0;
  Format format = Format::unknown;
  std::string log_kind;  // the first log format seen in this input
  DsnReader dsn;
  JsonReader json;
  std::unordered_map<std::string, std::string> senders;  // queue id -> sender
};

Importer::Importer(Model& model) : model_(model) {}
Importer::~Importer() = default;

void Importer::begin(std::string name) {
  state_ = std::make_unique<State>();
  state_->name = std::move(name);
}

void Importer::skip(std::string_view text) {
  ++counts_.skipped;
  if (samples_.size() < max_samples) {
    std::string cut(text.substr(0, 120));
    for (char& c : cut)
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
    samples_.push_back(state_->name + ":" + std::to_string(state_->line) + ": " + cut);
  }
}

void Importer::line(std::string_view text) {
  State& s = *state_;
  ++s.line;
  ++counts_.lines;
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  if (s.format == Format::unknown) {
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string_view::npos) return;  // leading blank lines
    const char c = text[first];
    s.format = c == '{' || c == '[' ? Format::json
               : looks_like_message(text) && !read_postfix_line(text) && !read_exim_line(text) &&
                       !read_sendmail_line(text)
                   ? Format::dsn
                   : Format::log;
    formats_.push_back(s.format == Format::json ? "json" : s.format == Format::dsn ? "dsn" : "log");
  }
  const Source here{s.name, s.line};
  switch (s.format) {
    case Format::json: {
      const auto before = s.json.added();
      if (!s.json.line(text, here, model_)) skip(text);
      if (s.json.added() > before) counts_.used += s.json.added() - before;
      break;
    }
    case Format::dsn:
      s.dsn.line(text, here, model_);
      break;
    default:
      log_line(text);
  }
}

void Importer::log_line(std::string_view text) {
  State& s = *state_;
  if (text.find_first_not_of(" \t") == std::string_view::npos) return;
  std::optional<LogEvent> e;
  std::string kind;
  if ((e = read_postfix_line(text)))
    kind = "postfix";
  else if ((e = read_exim_line(text)))
    kind = "exim";
  else if ((e = read_sendmail_line(text)))
    kind = "sendmail";
  if (!e) {
    skip(text);
    return;
  }
  if (s.log_kind.empty()) {
    s.log_kind = kind;
    formats_.back() = kind;
  }
  switch (e->kind) {
    case LogEvent::Kind::sender:
      if (s.senders.size() >= max_senders) s.senders.clear();
      s.senders[e->queue_id] = e->from;
      return;
    case LogEvent::Kind::other:
      return;
    case LogEvent::Kind::no_reply:
      ++counts_.no_reply;
      return;
    default:
      break;
  }
  Attempt a;
  a.source = {s.name, s.line};
  a.host = e->host;
  a.stage = e->stage;
  a.fault = e->fault;
  if (e->kind == LogEvent::Kind::reply) {
    a.lines =
        e->multi_line_escaped ? split_reply_lines(e->reply, "\\n") : split_joined_reply(e->reply);
    if (a.lines.empty() && !e->status.empty()) {  // Sendmail: "dsn=5.1.1, stat=User unknown"
      a.lines = {reply_from_status(e->status, e->reply)};
      a.reconstructed = true;
    }
    if (a.lines.empty()) {
      ++counts_.no_reply;
      return;
    }
  }
  const auto sender = s.senders.find(e->queue_id);
  model_.add(e->rcpt, sender == s.senders.end() ? std::string_view{} : sender->second,
             std::move(a));
  ++counts_.used;
}

void Importer::end() {
  if (!state_) return;
  if (state_->format == Format::dsn) {
    const auto added = state_->dsn.finish(model_);
    if (added == 0) skip("(a message with no delivery status in it)");
    counts_.used += added;
  }
  if (state_->format == Format::json && !state_->json.finish()) skip("(a JSON document cut short)");
  state_.reset();
}

}  // namespace bounceback::import
