// An auto-reply (RFC 3834): when not to answer (§2), the fields (§3.1), the null return path
// (§3.3), where it goes (§4: before delivery, the reverse path) and Auto-Submitted (§5).
#include "report/compose.hpp"
#include "report/mime.hpp"
#include "report/report.hpp"
#include "smtp/command.hpp"

namespace bounceback::report {

namespace {

// Whether the original is itself automatic or sent to many, which RFC 3834 §2 says not to
// answer.
bool must_not_answer(std::string_view headers) {
  const auto submitted = header_value(headers, "Auto-Submitted");
  if (!submitted.empty() && !smtp::iequals(submitted.substr(0, submitted.find(';')), "no"))
    return true;
  const auto precedence = header_value(headers, "Precedence");
  for (const auto p : {"bulk", "list", "junk"})
    if (smtp::iequals(precedence, p)) return true;
  return !header_value(headers, "List-Id").empty();
}

}  // namespace

std::optional<Generated> auto_reply(const Reporter& rep, const Original& o,
                                    std::string_view recipient, const AutoReplyText& reply) {
  const auto headers = header_block(o.data);
  if (o.from.empty() || must_not_answer(headers)) return std::nullopt;
  Generated g;
  g.to = o.from;
  std::string subject;
  if (!reply.subject.empty()) {
    subject = encode_words(reply.subject);
  } else {
    // The original's subject stays as it was written (encoded-words included), unless raw 8-bit.
    const auto original = header_value(headers, "Subject");
    subject = "Auto: " + (has_8bit(original) ? encode_words(original) : original);
  }
  std::string body;
  append_lines(body, reply.text);
  auto& out = g.data;
  append_origin(out, rep, "<" + std::string(recipient) + ">", o.from, subject);
  append_thread(out, headers);
  append_field(out, "Auto-Submitted", "auto-replied");
  append_field(out, "MIME-Version", "1.0");
  append_field(out, "Content-Type", "text/plain; charset=utf-8");
  append_field(out, "Content-Transfer-Encoding", has_8bit(body) ? "8bit" : "7bit");
  out += "\r\n";
  out += body;
  return g;
}

}  // namespace bounceback::report
