// Reading DSNs line by line (see dsn_reader.hpp). Bounded: a text part is kept up to 64 KiB,
// a field up to 16 KiB, 1,000 recipients per message.
#include "import/dsn_reader.hpp"

#include <re2/re2.h>

#include <algorithm>

#include "import/log_lines.hpp"
#include "import/reply_lines.hpp"
#include "smtp/base64.hpp"

namespace bounceback::import {
namespace {

constexpr std::size_t max_text = 64 * 1024, max_field = 16 * 1024, max_groups = 1000;

bool iequals_prefix(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) !=
        std::tolower(static_cast<unsigned char>(prefix[i])))
      return false;
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// "rfc822; u@x" -> "u@x"; "dns; mx.example" -> "mx.example"
std::string after_type(std::string_view value) {
  const auto semi = value.find(';');
  std::string_view v = trim(semi == std::string_view::npos ? value : value.substr(semi + 1));
  if (v.size() >= 2 && v.front() == '<' && v.back() == '>') v = v.substr(1, v.size() - 2);
  return std::string(v);
}

// Collapses whitespace runs to one space: Postfix wraps its text part's long lines.
std::string squeeze(std::string_view s) {
  std::string out;
  for (const char c : s) {
    const bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r';
    if (space) {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

// The stage a Postfix text part gives for `rcpt`: "(in reply to RCPT TO command)" after it.
Stage stage_in_text(const std::string& text, std::string_view rcpt) {
  const auto hay = lower(text);
  auto at = hay.find(lower(rcpt));
  if (at == std::string::npos) return Stage::rcpt;
  at = hay.find("(in reply to ", at);
  if (at == std::string::npos) return Stage::rcpt;
  const std::string_view command = std::string_view(text).substr(at + 13);
  if (command.starts_with("RCPT TO")) return Stage::rcpt;
  if (command.starts_with("end of DATA")) return Stage::message;
  if (command.starts_with("DATA")) return Stage::data;
  if (command.starts_with("MAIL FROM")) return Stage::mail;
  return Stage::rcpt;
}

// A Diagnostic-Code's reply lines: folded lines that each start with the code, or one text
// Postfix-style (lines joined by spaces).
std::vector<std::string> diagnostic_lines(std::string_view diagnostic) {
  const auto semi = diagnostic.find(';');
  if (semi == std::string_view::npos || !iequals_prefix(trim(diagnostic), "smtp")) return {};
  const std::string_view reply = trim(diagnostic.substr(semi + 1));
  auto lines = split_reply_lines(reply, "\n");
  bool each_coded = lines.size() > 1;
  for (const auto& l : lines)
    if (!starts_with_reply_code(l) || l.substr(0, 3) != lines.front().substr(0, 3))
      each_coded = false;
  if (each_coded) return lines;
  // Unfolded (RFC 5322 §2.2.3): the fold's indentation was dropped when the field was read;
  // one space stands for the line break, and runs of spaces inside a line stay as they were
  // (Gmail's "550 5.1.1  https://...").
  std::string joined(reply);
  std::replace(joined.begin(), joined.end(), '\n', ' ');
  return split_joined_reply(joined);
}

}  // namespace

void DsnReader::header_field(std::string_view text) {
  if (iequals_prefix(text, "content-type:")) {
    next_type_ = lower(trim(text.substr(13)));
    if (part_ == Part::top_headers && next_type_.starts_with("multipart/report"))
      is_dsn_header_ = true;
  } else if (iequals_prefix(text, "content-transfer-encoding:")) {
    next_encoding_ = lower(trim(text.substr(26)));
  } else if (part_ == Part::top_headers && iequals_prefix(text, "x-failed-recipients:")) {
    failed_recipients_ = trim(text.substr(20));
  }
}

void DsnReader::end_group() {
  if (!field_.empty()) {
    const std::string_view f = field_;
    const auto colon = f.find(':');
    if (colon != std::string_view::npos) {
      const std::string name = lower(trim(f.substr(0, colon)));
      const std::string_view value = trim(f.substr(colon + 1));
      if (name == "final-recipient")
        group_.rcpt = after_type(value);
      else if (name == "action")
        group_.action = lower(value);
      else if (name == "status")
        group_.status = std::string(trim(value.substr(0, value.find(' '))));
      else if (name == "remote-mta")
        group_.remote_mta = after_type(value);
      else if (name == "diagnostic-code")
        group_.diagnostic = std::string(value);
    }
    field_.clear();
  }
}

void DsnReader::line(std::string_view text, const Source& source, Model& model) {
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  if (blank_before_ && text.starts_with("From ") && started_) end_message(model);
  if (!started_) first_ = source;
  started_ = true;
  const bool blank = trim(text).empty();
  const bool folded = !text.empty() && (text.front() == ' ' || text.front() == '\t');
  switch (part_) {
    case Part::top_headers:
    case Part::part_headers:
      if (blank) {
        const bool top = part_ == Part::top_headers;
        part_ = next_type_.starts_with("message/delivery-status") ? Part::status
                : (next_type_.empty() || next_type_.starts_with("text/plain")) &&
                        !(top && is_dsn_header_)
                    ? Part::text
                    : Part::other;
        encoding_ = next_encoding_;
        pending_.clear();
        next_type_.clear();
        next_encoding_.clear();
        field_.clear();
        group_ = {};
        group_.source = source;
      } else if (!folded) {
        field_ = text;
      } else if (field_.size() < max_field) {
        field_ += ' ';
        field_ += trim(text);
      }
      if (!folded && !blank) header_field(text);
      break;
    case Part::status:
      if (text.starts_with("--")) {
        end_group();
        if (!group_.rcpt.empty() && groups_.size() < max_groups) groups_.push_back(group_);
        group_ = {};
        part_ = Part::part_headers;
        break;
      }
      if (blank) {
        end_group();
        if (!group_.rcpt.empty() && groups_.size() < max_groups) groups_.push_back(group_);
        group_ = {};
        group_.source = source;
        break;
      }
      if (folded) {
        if (field_.size() < max_field) field_ += '\n' + std::string(trim(text));
        break;
      }
      end_group();
      if (iequals_prefix(text, "final-recipient:")) group_.source = source;
      field_ = text;
      break;
    case Part::text:
    case Part::other:
      if (text.starts_with("--")) {
        if (part_ == Part::text && !pending_.empty()) add_text(pending_, source);
        pending_.clear();
        part_ = Part::part_headers;
        break;
      }
      if (part_ == Part::text) text_line(text, source);
      break;
  }
  blank_before_ = blank;
}

namespace {

// RFC 2045 §6.7: "=XX" is a byte; anything else stays as it is.
std::string qp_decode(std::string_view s) {
  const auto hex = [](char c) {
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                  : -1;
  };
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '=' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

void DsnReader::add_text(std::string_view line, const Source& source) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (text_.size() >= max_text) return;
  text_ += line;
  text_ += '\n';
  text_lines_.emplace_back(std::string(line), source);
}

// A line of a text part, decoded: quoted-printable soft line breaks joined, base64 decoded
// and cut at its own line breaks.
void DsnReader::text_line(std::string_view text, const Source& source) {
  if (encoding_ == "quoted-printable") {
    if (pending_.size() < max_field) pending_ += text;
    if (!pending_.empty() && pending_.back() == '=') {
      pending_.pop_back();  // a soft line break: the line goes on
      return;
    }
    add_text(qp_decode(pending_), source);
    pending_.clear();
  } else if (encoding_ == "base64") {
    if (pending_.size() < max_field) pending_ += smtp::base64_decode_lenient(text);
    std::size_t nl;
    while ((nl = pending_.find('\n')) != std::string::npos) {
      add_text(std::string_view(pending_).substr(0, nl), source);
      pending_.erase(0, nl + 1);
    }
  } else {
    add_text(text, source);
  }
}

// Exim's own bounce text (no delivery-status part):
//     gone@example.co.uk
//       host mx.example.co.uk [192.0.2.1]
//       SMTP error from remote mail server after RCPT TO:<gone@example.co.uk>:
//       550 No such user here
// (older Exims: the host on the line after, "host mx [ip]: 550 ..."). `i` is the "SMTP
// error" line; fills the attempt's stage, host and reply lines, and `who`.
void DsnReader::exim_text(std::size_t i, const std::string& fallback, Attempt& a,
                          std::string& who) const {
  static const RE2 host_line(R"(^host (\S+) \[[^\]]*\]:?\s*(.*)$)");
  static const RE2 rcpt_to(R"(RCPT TO:<([^>]+)>)");
  const auto line = trim(text_lines_[i].first);
  const auto after = line.substr(41);  // past "SMTP error from remote mail server after "
  a.stage = stage_after(after);
  std::string from_command;
  if (RE2::PartialMatch(re2::StringPiece(after.data(), after.size()), rcpt_to, &from_command))
    who = from_command;
  for (std::size_t j = i; j-- > 0;) {  // the host and the address on the lines before
    const auto t = trim(text_lines_[j].first);
    std::string host, rest;
    if (t.empty()) break;
    if (RE2::FullMatch(re2::StringPiece(t.data(), t.size()), host_line, &host, &rest))
      a.host = host;
    else if (from_command.empty() && t.find('@') != std::string_view::npos &&
             t.find(' ') == std::string_view::npos)
      who = t;
  }
  if (who.empty()) who = fallback;
  std::string joined;
  for (std::size_t j = i + 1; j < text_lines_.size(); ++j) {
    std::string t(trim(text_lines_[j].first));
    std::string host, rest;
    if (t.empty()) break;
    if (RE2::FullMatch(t, host_line, &host, &rest)) {
      a.host = host;
      t = rest;
    }
    if (!starts_with_reply_code(t)) break;
    joined += t + '\n';
  }
  a.lines = split_reply_lines(joined, "\n");
}

void DsnReader::end_message(Model& model) {
  if (part_ == Part::text && !pending_.empty()) add_text(pending_, first_);
  if (part_ == Part::status) {
    end_group();
    if (!group_.rcpt.empty() && groups_.size() < max_groups) groups_.push_back(group_);
  }
  const std::string text = squeeze(text_);
  for (const auto& g : groups_) {
    Attempt a;
    a.source = g.source;
    a.host = g.remote_mta;
    if (g.action == "delivered" || g.action == "relayed" || g.action == "expanded") {
      model.add(g.rcpt, "", std::move(a));
      ++added_;
      continue;
    }
    a.lines = diagnostic_lines(g.diagnostic);
    if (a.lines.empty()) {
      if (g.status.empty()) continue;
      a.lines = {reply_from_status(g.status, "")};
      a.reconstructed = true;
    }
    a.stage = stage_in_text(text, g.rcpt);
    model.add(g.rcpt, "", std::move(a));
    ++added_;
  }
  if (groups_.empty()) {
    // No delivery-status part: the providers' human-readable reports.
    static const RE2 gmail_rcpt(R"(wasn't delivered to (\S+?@\S+?) because)");
    static const RE2 microsoft(R"(^Remote Server returned '(.*)'\s*$)");
    static constexpr std::string_view exim_marker = "SMTP error from remote mail server after ";
    std::string rcpt = failed_recipients_.substr(0, failed_recipients_.find(','));
    if (rcpt.empty()) RE2::PartialMatch(text, gmail_rcpt, &rcpt);
    for (std::size_t i = 0; i < text_lines_.size(); ++i) {
      const auto& [l, src] = text_lines_[i];
      std::string said;
      Attempt a;
      a.source = src;
      std::string who = rcpt;
      if (trim(l).starts_with(exim_marker)) {
        exim_text(i, rcpt, a, who);
      } else if (trim(l) == "The response from the remote server was:") {
        std::string joined;
        for (std::size_t j = i + 1; j < text_lines_.size() && !trim(text_lines_[j].first).empty();
             ++j)
          joined += std::string(trim(text_lines_[j].first)) + '\n';
        a.lines = split_reply_lines(joined, "\n");
      } else if (RE2::FullMatch(l, microsoft, &said)) {
        a.lines = split_joined_reply(said);
        for (std::size_t j = i; j-- > 0;) {  // the address on the line before
          const auto t = trim(text_lines_[j].first);
          if (t.empty()) continue;
          if (t.find('@') != std::string_view::npos && t.find(' ') == std::string_view::npos)
            who = t;
          break;
        }
      }
      if (a.lines.empty() || who.empty()) continue;
      model.add(who, "", std::move(a));
      ++added_;
    }
  }
  const std::size_t added = added_;
  *this = DsnReader();
  added_ = added;
}

std::size_t DsnReader::finish(Model& model) {
  if (started_) end_message(model);
  return added_;
}

}  // namespace bounceback::import
