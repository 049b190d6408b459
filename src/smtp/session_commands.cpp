// The command table (one row per command) and the one place a command line is dispatched:
// service and pipelining checks, the row's preconditions with their replies, then the handler.
#include <array>
#include <cstdint>
#include <utility>

#include "smtp/command_table.hpp"
#include "smtp/replies.hpp"
#include "smtp/session.hpp"

namespace bounceback::smtp {

namespace r = replies;

namespace {

// A name as one integer: letters folded to lower case, 8 at most (STARTTLS). Command names
// are letters only, so no two names share a key and the lookup is one compare per row.
constexpr std::uint64_t no_key = 0;
constexpr std::uint64_t key(std::string_view name) {
  if (name.empty() || name.size() > 8) return no_key;
  std::uint64_t k = 0;
  for (const char c : name) {
    const char folded = static_cast<char>(c | 0x20);
    if (folded < 'a' || folded > 'z') return no_key;
    k = k << 8 | static_cast<unsigned char>(folded);
  }
  return k;
}

}  // namespace

// A friend of Session: its rows name the private handlers.
struct CommandTable {
  using S = Session;
  using E = EventKind;
  static constexpr auto none = std::nullopt;

  // clang-format off
  static constexpr std::array<CommandRow, 15> rows{{
      // name      verb            handler          event        preconditions; own replies
      {"HELO",     Verb::helo,     &S::on_helo,     E::helo,     need::smtp | need::argument |
       need::ends_group, r::helo_syntax},
      {"EHLO",     Verb::ehlo,     &S::on_ehlo,     E::helo,     need::smtp | need::argument |
       need::ends_group, r::ehlo_syntax},
      // LMTP's greeting (RFC 2033 §4.1): only LMTP listeners know it.
      {"LHLO",     Verb::lhlo,     &S::on_lhlo,     E::helo,     need::lmtp | need::argument |
       need::ends_group, r::lhlo_syntax},
      {"MAIL",     Verb::mail,     &S::on_mail,     E::mail,     need::greeting |
       need::no_transaction | need::tls_if_required | need::auth_if_required, {}, r::nested_mail},
      {"RCPT",     Verb::rcpt,     &S::on_rcpt,     E::rcpt,     need::transaction},
      {"DATA",     Verb::data,     &S::on_data,     E::data,     need::no_argument |
       need::transaction | need::recipients | need::no_chunks | need::ends_group},
      // BDAT's sequence errors are answered after its chunk is read (RFC 3030 §2): the handler's.
      {"BDAT",     Verb::bdat,     &S::on_bdat,     E::data,     need::chunking},
      {"RSET",     Verb::rset,     &S::on_rset,     E::rset,     need::no_argument},
      {"NOOP",     Verb::noop,     &S::on_noop,     E::noop,     need::ends_group},
      {"VRFY",     Verb::vrfy,     &S::on_vrfy,     E::vrfy,     need::argument | need::ends_group,
       r::vrfy_syntax},
      {"EXPN",     Verb::expn,     &S::on_expn,     none,        need::ends_group},
      {"HELP",     Verb::help,     &S::on_help,     none,        0},
      {"QUIT",     Verb::quit,     &S::on_quit,     E::quit,     need::after_554},
      {"STARTTLS", Verb::starttls, &S::on_starttls, E::starttls, need::no_argument | need::no_tls |
       need::tls_offered},
      {"AUTH",     Verb::auth,     &S::on_auth,     E::auth,     need::auth_enabled |
       need::greeting | need::no_auth | need::no_transaction, {}, r::auth_in_transaction},
  }};
  // clang-format on
};

namespace {

constexpr auto keys = [] {
  std::array<std::uint64_t, CommandTable::rows.size()> k{};
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = key(CommandTable::rows[i].name);
  return k;
}();

// Every name is a valid key, no two rows share a name or a verb, and every verb has a row.
constexpr bool one_row_per_verb() {
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (keys[i] == no_key) return false;
    for (std::size_t j = 0; j < i; ++j)
      if (keys[j] == keys[i] || CommandTable::rows[j].verb == CommandTable::rows[i].verb)
        return false;
  }
  return keys.size() == static_cast<std::size_t>(Verb::unknown);
}
static_assert(one_row_per_verb());

}  // namespace

std::span<const CommandRow> command_table() {
  return CommandTable::rows;
}

const CommandRow* find_command(std::string_view name) {
  const std::uint64_t k = key(name);
  if (k == no_key) return nullptr;
  for (std::size_t i = 0; i < keys.size(); ++i)
    if (keys[i] == k) return &CommandTable::rows[i];
  return nullptr;
}

void Session::command(std::string_view line, Output& out) {
  // A line fed again after an Inquiry was logged and counted the first time.
  const bool replay = std::exchange(replay_, false);
  if (transcript_ && !sasl_ && !replay) {  // a SASL response is a secret: never logged
    // Never keep a secret: "AUTH PLAIN <initial response>" is logged as "AUTH PLAIN ****".
    if (const auto shown = auth::shown_prefix(line); shown < line.size())
      transcript_->line(true, std::string(line.substr(0, shown)) + " ****");
    else
      transcript_->line(true, line);
  }
  // Postfix smtpd_forbid_bare_newline: under reject/disconnect only CRLF ends a line.
  if (line_.bare_lf && config_->bare_lf >= BareLfPolicy::reject)
    return close_with(config_->bare_lf == BareLfPolicy::reject ? config_->bare_lf_rejected
                                                               : config_->bare_lf_disconnect,
                      out);
  if (sasl_) {
    stage_ = EventKind::auth;
    return sasl_response(line, out);
  }
  stage_ = EventKind::unknown;
  if (!replay && ++counts_.commands > config_->limits.commands_per_session)
    return close_with(config_->closing_errors, out);
  const CommandLine cmd = parse_command(line);
  const CommandRow* row = cmd.row;
  if (row && row->event) stage_ = *row->event;
  if (greeting_ == Greeting::refused && !(row && row->needs & need::after_554))
    return protocol_error(r::no_service, out);
  if (!row || (row->needs & need::lmtp && !facts_.lmtp)) return on_unknown(line, out);
  // Postfix smtpd_forbid_unauth_pipelining: input the client sent without waiting for a reply
  // it had to wait for (or any pipelining before EHLO: PIPELINING is an ESMTP extension).
  // Without PIPELINING offered, every reply must be waited for (RFC 2920 §3.1); the chunk
  // behind a BDAT is its data, not a command.
  if (line_.more_input &&
      ((config_->forbid_improper_pipelining && (row->needs & need::ends_group || !facts_.esmtp)) ||
       (!(config_->offered & bit(Extension::pipelining)) && !(row->needs & need::chunking))))
    return close_with(r::pipelining_sync, out);
  if (const std::string_view wire = unmet(*row, cmd.arg); !wire.empty()) {
    // The refusals of the transaction's commands are logged and counted by the Policy.
    if (row->event == EventKind::mail || row->event == EventKind::rcpt ||
        row->event == EventKind::data)
      refused_command(*row->event, wire, cmd.arg);
    return protocol_error(wire, out);
  }
  (this->*row->handler)(cmd.arg, out);
}

std::string_view Session::unmet(const CommandRow& row, std::string_view arg) const {
  const auto needs = row.needs;
  const auto requires_ = [&](unsigned flag) { return (needs & flag) != 0; };
  if (requires_(need::chunking) && !(config_->offered & bit(Extension::chunking)))
    return r::not_implemented;
  if (requires_(need::smtp) && facts_.lmtp) return r::helo_on_lmtp;
  if (requires_(need::no_argument) && !arg.empty()) return r::no_arguments;
  if (requires_(need::argument) && arg.empty()) return row.usage;
  if (requires_(need::auth_enabled) && config_->auth == Requirement::off)
    return r::auth_unavailable;
  if (requires_(need::no_tls) && facts_.tls) return r::tls_active;
  if (requires_(need::tls_offered) && !config_->tls_available) return r::tls_not_offered;
  if (requires_(need::greeting) && greeting_ != Greeting::given)
    return facts_.lmtp ? r::need_lhlo : r::need_helo;
  if (requires_(need::no_auth) && !facts_.auth_user.empty()) return r::auth_already;
  if (requires_(need::no_transaction) && txn_.open) return row.busy;
  if (requires_(need::tls_if_required) && config_->tls == Requirement::required && !facts_.tls)
    return r::tls_required;
  if (requires_(need::auth_if_required) && config_->auth == Requirement::required &&
      facts_.auth_user.empty())
    return r::auth_required;
  if (requires_(need::transaction) && !txn_.open) return r::need_mail;
  if (requires_(need::recipients) && txn_.rcpts.empty())
    return txn_.rcpt_attempted ? r::no_valid_rcpts : r::need_rcpt;
  if (requires_(need::no_chunks) && txn_.bdat.accepted()) return r::data_after_bdat;
  return {};
}

}  // namespace bounceback::smtp
