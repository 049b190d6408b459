// A complaint report in the Abuse Reporting Format (RFC 5965): multipart/report with a
// human-readable part, the message/feedback-report fields (§3.1, §3.2) and the original (§2).
#include "report/compose.hpp"
#include "report/mime.hpp"
#include "report/report.hpp"
#include "report/returned.hpp"
#include "report/styles.hpp"
#include "smtp/command.hpp"
#include "smtp/received.hpp"

namespace bounceback::report {

bool valid_feedback_type(std::string_view type) {
  for (const auto t : {"abuse", "fraud", "virus", "other", "not-spam"})
    if (type == t) return true;
  return false;
}

std::optional<Generated> complaint(const Reporter& rep, const Original& o,
                                   std::string_view recipient, std::string_view feedback_type) {
  if (o.from.empty()) return std::nullopt;
  const auto headers = header_block(o.data);
  const Returned returned = returned_content(o.data, true, rep.max_returned, o.headers_only);
  const std::string arrival = smtp::rfc5322_date(o.arrival);

  std::string human;
  append_lines(human, "This is an email abuse report for an email message received from IP " +
                          std::string(o.client_ip) + " on " + arrival + ".\nThe recipient " +
                          std::string(recipient) + " reported it as " + std::string(feedback_type) +
                          ".\nFor more information about this format please see "
                          "https://www.rfc-editor.org/rfc/rfc5965.\n" +
                          std::string(returned_note(returned, true)));
  std::string report;
  append_field(report, "Feedback-Type", feedback_type);
  append_field(report, "User-Agent", rep.user_agent);
  append_field(report, "Version", "1");
  append_field(report, "Original-Mail-From", "<" + std::string(o.from) + ">");
  append_field(report, "Original-Rcpt-To", "<" + std::string(recipient) + ">");
  append_field(report, "Arrival-Date", arrival);
  append_field(report, "Reporting-MTA", "dns; " + std::string(rep.hostname));
  if (!o.client_ip.empty()) append_field(report, "Source-IP", o.client_ip);
  if (const auto domain = domain_of(o.from); !domain.empty())
    append_field(report, "Reported-Domain", domain);
  const bool eight_bit = returned.eight_bit || has_8bit(report);
  const auto boundary = boundary_for(rep.unique, {human, report, returned.body()});

  Generated g;
  g.to = o.from;
  auto& out = g.data;
  const auto subject = header_value(headers, "Subject");
  append_origin(
      out, rep, "<abuse@" + std::string(rep.hostname) + ">", o.from,
      "Complaint about message: " + (has_8bit(subject) ? encode_words(subject) : subject));
  append_thread(out, headers);
  append_field(out, "Auto-Submitted", "auto-generated");
  append_field(out, "MIME-Version", "1.0");
  append_field(out, "Content-Type",
               "multipart/report; report-type=feedback-report; boundary=\"" + boundary + "\"");
  if (eight_bit) append_field(out, "Content-Transfer-Encoding", "8bit");
  out += "\r\nThis is a multi-part message in MIME format.\r\n";
  append_part(out, boundary, "", "text/plain; charset=utf-8", false, human);
  append_part(out, boundary, "", "message/feedback-report", has_8bit(report), report);
  append_part(out, boundary, "", returned.type, returned.eight_bit, returned.body());
  out += "\r\n--" + boundary + "--\r\n";
  return g;
}

}  // namespace bounceback::report
