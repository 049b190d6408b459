// A delivery status notification read line by line: the per-recipient fields of its
// message/delivery-status part (RFC 3464 §2.3: Final-Recipient, Action, Status, Remote-MTA,
// Diagnostic-Code), the stage from a Postfix-style "(in reply to RCPT TO command)" in its text,
// and, for a report without that part, Gmail's "The response from the remote server was:",
// Microsoft's "Remote Server returned '...'" and Exim's "SMTP error from remote mail server
// after RCPT TO:<...>:". Several messages in one file (mbox "From "
// lines) are read one after the other.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "import/model.hpp"

namespace bounceback::import {

class DsnReader {
 public:
  // `source` names the line, for the rule's comment; a message that ends (a new mbox "From "
  // line) adds what it reported to `model`.
  void line(std::string_view text, const Source& source, Model& model);
  // The end of the input: adds what the last message reported to `model`. Returns the
  // number of attempts it added over the whole input.
  std::size_t finish(Model& model);

 private:
  struct Group {  // one recipient's fields
    std::string rcpt, action, status, remote_mta, diagnostic;
    Source source;
  };
  enum class Part : std::uint8_t { top_headers, part_headers, status, text, other };

  void end_message(Model& model);
  void end_group();
  void header_field(std::string_view text);
  void text_line(std::string_view text, const Source& source);
  void add_text(std::string_view line, const Source& source);
  void exim_text(std::size_t line, const std::string& fallback, Attempt& a, std::string& who) const;

  Part part_ = Part::top_headers;
  std::string next_type_, next_encoding_;  // of the part whose headers are being read
  std::string encoding_;                   // the text part's Content-Transfer-Encoding
  std::string pending_;  // a quoted-printable line going on, decoded base64 before its '\n'

  std::string field_;  // the field being unfolded
  Group group_;
  std::vector<Group> groups_;
  std::string failed_recipients_, text_;  // X-Failed-Recipients; the text parts, unfolded
  bool is_dsn_header_ = false;            // the top header says multipart/report
  Source first_;
  bool started_ = false, blank_before_ = true;
  std::size_t added_ = 0;
  std::vector<std::pair<std::string, Source>> text_lines_;  // for the provider fallbacks
};

}  // namespace bounceback::import
