// The first fields, the thread and the parts of every generated message.
#include "report/compose.hpp"

#include "report/mime.hpp"
#include "smtp/received.hpp"

namespace bounceback::report {

void append_origin(std::string& out, const Reporter& rep, std::string_view from,
                   std::string_view to, std::string_view subject) {
  append_field(out, "Date", smtp::rfc5322_date_text(rep.now).view());
  append_field(out, "From", from);
  append_field(out, "To", {"<", to, ">"});
  append_field(out, "Subject", subject);
  append_field(out, "Message-ID", message_id(rep.unique, rep.hostname));
}

void append_thread(std::string& out, std::string_view headers) {
  const auto id = header_value(headers, "Message-ID");
  if (id.empty()) return;
  append_field(out, "In-Reply-To", id);
  const auto refs = header_value(headers, "References");
  append_field(out, "References", refs.empty() ? id : refs + " " + id);
}

void append_part(std::string& out, std::string_view boundary, std::string_view description,
                 std::string_view type, bool eight_bit, std::string_view body) {
  out += "\r\n--";
  out += boundary;
  out += "\r\n";
  if (!description.empty()) append_field(out, "Content-Description", description);
  append_field(out, "Content-Type", type);
  if (eight_bit) append_field(out, "Content-Transfer-Encoding", "8bit");
  out += "\r\n";
  out += body;
}

}  // namespace bounceback::report
