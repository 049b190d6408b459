// A delivery status notification: RFC 6522 multipart/report with the human-readable part,
// the RFC 3464 message/delivery-status part and the returned content (RFC 3461 §4.3).
#include "report/compose.hpp"
#include "report/mime.hpp"
#include "report/report.hpp"
#include "report/returned.hpp"
#include "report/styles.hpp"
#include "smtp/command.hpp"
#include "smtp/received.hpp"

namespace bounceback::report {

namespace {

// "rfc822; a@b", or RFC 6533's "utf-8; ..." for an address that is not ASCII.
std::string_view address_type(std::string_view address) {
  return has_8bit(address) ? "utf-8; " : "rfc822; ";
}

// RFC 3464 §2.2: the per-message fields.
void append_message_fields(std::string& out, const Reporter& rep, const Original& o) {
  append_field(out, "Reporting-MTA", {"dns; ", rep.hostname});
  if (rep.style == Style::postfix) {  // what Postfix adds (bounce(8))
    if (!o.queue_id.empty()) append_field(out, "X-Postfix-Queue-ID", o.queue_id);
    append_field(out, "X-Postfix-Sender", {address_type(o.from), o.from});
  }
  if (!o.envid.empty()) append_field(out, "Original-Envelope-Id", printable(decode_xtext(o.envid)));
  if (!o.helo.empty() || !o.client_ip.empty())
    append_field(out, "Received-From-MTA",
                 {"dns; ", o.helo.empty() ? o.client_ip : o.helo, o.client_ip.empty() ? "" : " ([",
                  o.client_ip, o.client_ip.empty() ? "" : "])"});
  append_field(out, "Arrival-Date", smtp::rfc5322_date_text(o.arrival).view());
}

// RFC 3464 §2.3: one recipient's fields. The Diagnostic-Code keeps every line of a multi-line
// reply, one a continuation line.
void append_recipient_fields(std::string& out, const RecipientOutcome& r) {
  out += "\r\n";
  if (!r.orcpt.empty()) {
    const auto original = original_recipient(r.orcpt);
    if (!original.empty()) append_field(out, "Original-Recipient", original);
  }
  append_field(out, "Final-Recipient", {address_type(r.address), r.address});
  append_field(out, "Action", to_string(r.action));
  append_field(out, "Status", status_of(r.reply));
  const auto remote = r.remote_mta.empty() ? domain_of(r.address) : r.remote_mta;
  if (!remote.empty()) append_field(out, "Remote-MTA", {"dns; ", remote});
  const std::string wire = r.reply.wire();
  std::size_t start = 0;
  while (start < wire.size()) {
    auto end = wire.find("\r\n", start);
    if (end == std::string::npos) end = wire.size();
    const std::string_view line(wire.data() + start, end - start);
    if (start == 0)
      append_field(out, "Diagnostic-Code", {"smtp; ", line}, max_line);
    else
      append_continuation(out, line, max_line);
    start = end + 2;
  }
  append_field(out, "Last-Attempt-Date", smtp::rfc5322_date_text(r.last_attempt).view());
  if (r.action == Action::delayed && r.will_retry_until)
    append_field(out, "Will-Retry-Until", smtp::rfc5322_date_text(*r.will_retry_until).view());
}

}  // namespace

Generated delivery_status(const Reporter& rep, const Original& o,
                          std::span<const RecipientOutcome> rcpts) {
  const Kind kind = kind_of(rcpts);
  // RFC 3461 §4.3: the content only comes back with a failure, and not when RET=HDRS.
  const bool want_whole = kind == Kind::failure && !smtp::iequals(o.ret, "HDRS");
  const Returned returned = returned_content(o.data, want_whole, rep.max_returned, o.headers_only);
  const auto headers = header_block(o.data);

  std::string human;
  append_lines(human,
               dsn_text(rep.style, kind, rep, o, rcpts, returned_note(returned, want_whole)));
  std::string status;
  status.reserve(512 + 384 * rcpts.size());
  append_message_fields(status, rep, o);
  bool global = false;
  for (const auto& r : rcpts) {
    append_recipient_fields(status, r);
    global = global || has_8bit(r.address);
  }
  const auto boundary = boundary_for(rep.unique, {human, status, returned.body()});
  const bool eight_bit = global || returned.eight_bit || has_8bit(human);

  Generated g;
  g.to = o.from;
  std::string& out = g.data;
  out.reserve(human.size() + status.size() + returned.body().size() + 1024);
  const auto subject = header_value(headers, "Subject");
  append_origin(out, rep, dsn_from(rep.style, rep.hostname), o.from,
                encode_words(dsn_subject(rep.style, kind, subject)));
  append_thread(out, headers);
  append_field(out, "Auto-Submitted", "auto-replied");
  dsn_fields(out, rep.style, kind, rcpts);
  append_field(out, "MIME-Version", "1.0");
  append_field(out, "Content-Type",
               {"multipart/report; report-type=delivery-status; boundary=\"", boundary, "\""});
  if (eight_bit) append_field(out, "Content-Transfer-Encoding", "8bit");
  out += "\r\nThis is a MIME-encapsulated message.\r\n";
  append_part(out, boundary, "Notification", "text/plain; charset=utf-8", has_8bit(human), human);
  append_part(out, boundary, "Delivery report",
              global ? "message/global-delivery-status" : "message/delivery-status", global,
              status);
  append_part(out, boundary, returned.whole ? "Undelivered Message" : "Message Headers",
              returned.type, returned.eight_bit, returned.body());
  out += "\r\n--";
  out += boundary;
  out += "--\r\n";
  return g;
}

}  // namespace bounceback::report
