// Postfix, Gmail and Microsoft wording of delivery status notifications.
#include "report/styles.hpp"

#include <chrono>

#include "report/mime.hpp"

namespace bounceback::report {

namespace {

// Appends the reply on one line, as the texts quote it.
void append_one_line(std::string& out, const smtp::Reply& reply) {
  const std::string wire = reply.wire();
  std::size_t start = 0;
  while (start < wire.size()) {
    auto end = wire.find("\r\n", start);
    if (end == std::string::npos) end = wire.size();
    if (start != 0) out += ' ';
    out.append(wire, start, end - start);
    start = end + 2;
  }
}

std::string one_line(const smtp::Reply& reply) {
  std::string out;
  append_one_line(out, reply);
  return out;
}

// The reply's lines, one a line.
std::string lines_of(const smtp::Reply& reply) {
  std::string wire = reply.wire(), out;
  for (const char c : wire)
    if (c != '\r') out += c;
  return out;
}

bool has_action(std::span<const RecipientOutcome> rcpts, Action a) {
  for (const auto& r : rcpts)
    if (r.action == a) return true;
  return false;
}

bool wanted(const RecipientOutcome& r, Kind kind) {
  switch (kind) {
    case Kind::failure:
      return r.action == Action::failed;
    case Kind::delay:
      return r.action == Action::delayed;
    case Kind::success:
      return r.action == Action::delivered || r.action == Action::relayed;
  }
  return false;
}

// Whole hours from `now` to `until`, at least 1.
long hours_left(const Reporter& reporter, const RecipientOutcome& r) {
  if (!r.will_retry_until) return 1;
  const auto h = std::chrono::duration_cast<std::chrono::hours>(*r.will_retry_until - reporter.now +
                                                                std::chrono::minutes(59));
  return h.count() < 1 ? 1 : static_cast<long>(h.count());
}

std::string postfix_text(Kind kind, const Reporter& reporter,
                         std::span<const RecipientOutcome> rcpts, std::string_view note) {
  std::string t;
  t.reserve(1024);
  t += "This is the mail system at host ";
  t += reporter.hostname;
  t += ".\n\n";
  switch (kind) {
    case Kind::failure:
      t += "I'm sorry to have to inform you that your message could not\n"
           "be delivered to one or more recipients. It's attached below.\n\n"
           "For further assistance, please send mail to postmaster.\n\n"
           "If you do so, please include this problem report. You can\n"
           "delete your own text from the attached returned message.\n\n";
      break;
    case Kind::delay: {
      long hours = 1;
      for (const auto& r : rcpts)
        if (r.action == Action::delayed) hours = hours_left(reporter, r);
      t += "####################################################################\n"
           "# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #\n"
           "####################################################################\n\n"
           "Your message could not be delivered yet.\n"
           "It will be retried for " +
           std::to_string(hours) +
           " more hour(s).\n\n"
           "For further assistance, please send mail to postmaster.\n\n"
           "If you do so, please include this problem report. You can\n"
           "delete your own text from the attached returned message.\n\n";
      break;
    }
    case Kind::success:
      t += "Your message was successfully delivered to the destination(s)\n"
           "listed below. If the message was delivered to mailbox you will\n"
           "receive no further notifications. Otherwise you may still receive\n"
           "notifications of mail delivery errors from other systems.\n\n";
      break;
  }
  t += "                   The mail system\n\n";
  for (const auto& r : rcpts) {
    if (!wanted(r, kind)) continue;
    const auto remote = r.remote_mta.empty() ? domain_of(r.address) : r.remote_mta;
    t += '<';
    t += r.address;
    t += ">: ";
    t += kind != Kind::success         ? "host "
         : r.action == Action::relayed ? "relayed to "
                                       : "delivered via ";
    t += remote;
    t += kind == Kind::success ? ": " : " said: ";
    append_one_line(t, r.reply);
    t += kind == Kind::success ? "\n" : " (in reply to end of DATA command)\n";
  }
  if (!note.empty()) t += "\n" + std::string(note) + "\n";
  return t;
}

std::string gmail_text(Kind kind, const Reporter& reporter, std::span<const RecipientOutcome> rcpts,
                       std::string_view note) {
  std::string t;
  for (const auto& r : rcpts) {
    if (!wanted(r, kind)) continue;
    const std::string to(r.address);
    const std::string status = status_of(r.reply);
    if (!t.empty()) t += "\n";
    if (kind == Kind::failure && status.substr(1, 3) == ".1.") {
      t += "\n** Address not found **\n\nYour message wasn't delivered to " + to +
           " because the address couldn't be found, or is unable to receive mail.\n\n"
           "Learn more here: https://support.google.com/mail/?p=NoSuchUser\n\n";
    } else if (kind == Kind::failure) {
      t += "\n** Message not delivered **\n\nThere was a problem delivering your message to " + to +
           ". See the technical details below.\n\n";
    } else if (kind == Kind::delay) {
      t += "\n** Delivery incomplete **\n\nThere was a temporary problem delivering your message "
           "to " +
           to + ". Gmail will retry for " + std::to_string(hours_left(reporter, r)) +
           " more hours. You'll be notified if the delivery fails permanently.\n\n";
    } else {
      t += "\n** Message delivered **\n\nYour message was delivered to " + to + ".\n\n";
    }
    t += "The response from the remote server was:\n" + lines_of(r.reply);
  }
  if (!note.empty()) t += "\n" + std::string(note) + "\n";
  return t;
}

std::string microsoft_text(Kind kind, const Reporter& reporter, const Original& original,
                           std::span<const RecipientOutcome> rcpts, std::string_view note) {
  std::string t;
  const std::string subject = header_value(header_block(original.data), "Subject");
  switch (kind) {
    case Kind::failure:
      t += "Delivery has failed to these recipients or groups:\n\n";
      for (const auto& r : rcpts) {
        if (!wanted(r, kind)) continue;
        t += std::string(r.address) + "\n";
        t += status_of(r.reply).substr(1, 3) == ".1."
                 ? "The email address you entered couldn't be found. Please check the recipient's "
                   "email address and try to resend the message. If the problem continues, please "
                   "contact your helpdesk.\n\n"
                 : "Your message couldn't be delivered. The recipient's email system refused "
                   "it.\n\n";
      }
      break;
    case Kind::delay:
      t += "Delivery is delayed to these recipients or groups:\n\n";
      for (const auto& r : rcpts)
        if (wanted(r, kind)) t += std::string(r.address) + "\n";
      t += "\nSubject: " + subject +
           "\n\nThis message hasn't been delivered yet. Delivery will continue to be "
           "attempted.\n\n";
      break;
    case Kind::success:
      t += "Your message has been delivered to the following recipients:\n\n";
      for (const auto& r : rcpts)
        if (wanted(r, kind)) t += std::string(r.address) + "\n";
      t += "\nSubject: " + subject + "\n\n";
      break;
  }
  t += "Diagnostic information for administrators:\n\nGenerating server: " +
       std::string(reporter.hostname) + "\n\n";
  for (const auto& r : rcpts) {
    if (!wanted(r, kind)) continue;
    t += std::string(r.address) + "\nRemote Server returned '" + one_line(r.reply) + "'\n\n";
  }
  if (!note.empty()) t += std::string(note) + "\n\n";
  // Exchange quotes the original's header fields at the end of its text.
  t += "Original message headers:\n\n";
  t += header_block(original.data);
  return t;
}

}  // namespace

Kind kind_of(std::span<const RecipientOutcome> rcpts) {
  if (has_action(rcpts, Action::failed)) return Kind::failure;
  if (has_action(rcpts, Action::delayed)) return Kind::delay;
  return Kind::success;
}

std::string_view domain_of(std::string_view address) {
  const auto at = address.rfind('@');
  return at == std::string_view::npos ? std::string_view{} : address.substr(at + 1);
}

std::string status_of(const smtp::Reply& reply) {
  if (!reply.enhanced.empty()) return reply.enhanced;
  const int klass = reply.code / 100;
  return std::to_string(klass == 4 || klass == 5 ? klass : 2) + ".0.0";
}

std::string dsn_from(Style style, std::string_view hostname) {
  switch (style) {
    case Style::postfix:
      return "MAILER-DAEMON@" + std::string(hostname) + " (Mail Delivery System)";
    case Style::gmail:
      return "Mail Delivery Subsystem <mailer-daemon@googlemail.com>";
    case Style::microsoft:
      return "Microsoft Outlook <postmaster@" + std::string(hostname) + ">";
  }
  return {};
}

std::string dsn_subject(Style style, Kind kind, std::string_view original_subject) {
  const std::string_view subject = original_subject;
  switch (style) {
    case Style::postfix:
      return kind == Kind::failure ? "Undelivered Mail Returned to Sender"
             : kind == Kind::delay ? "Delayed Mail (still being retried)"
                                   : "Successful Mail Delivery Report";
    case Style::gmail:
      return kind == Kind::failure ? "Delivery Status Notification (Failure)"
             : kind == Kind::delay ? "Delivery Status Notification (Delay)"
                                   : "Delivery Status Notification (Success)";
    case Style::microsoft:
      return std::string(kind == Kind::failure ? "Undeliverable: "
                         : kind == Kind::delay ? "Delivery delayed: "
                                               : "Delivered: ") +
             std::string(subject);
  }
  return {};
}

std::string dsn_text(Style style, Kind kind, const Reporter& reporter, const Original& original,
                     std::span<const RecipientOutcome> rcpts, std::string_view note) {
  switch (style) {
    case Style::postfix:
      return postfix_text(kind, reporter, rcpts, note);
    case Style::gmail:
      return gmail_text(kind, reporter, rcpts, note);
    case Style::microsoft:
      return microsoft_text(kind, reporter, original, rcpts, note);
  }
  return {};
}

void dsn_fields(std::string& out, Style style, Kind kind, std::span<const RecipientOutcome> rcpts) {
  if (style == Style::gmail && kind == Kind::failure) {
    std::string failed;
    for (const auto& r : rcpts)
      if (r.action == Action::failed)
        failed += (failed.empty() ? "" : ", ") + std::string(r.address);
    append_field(out, "X-Failed-Recipients", failed);
  }
  if (style == Style::microsoft) append_field(out, "Content-Language", "en-US");
}

}  // namespace bounceback::report
