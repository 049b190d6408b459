// The SMTP server session as a pure state machine (RFC 5321 §3–4): bytes in, replies and
// events out. It owns no socket and no clock; the transport feeds it what it reads, sends
// what it returns, and carries out delays, drips, closes and the TLS handshake.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "smtp/auth.hpp"
#include "smtp/data_decoder.hpp"
#include "smtp/event.hpp"
#include "smtp/extensions.hpp"
#include "smtp/limits.hpp"
#include "smtp/message.hpp"
#include "smtp/settings.hpp"
#include "smtp/transaction.hpp"

namespace bounceback::smtp {

// Per-server settings, shared read-only by all sessions: the SMTP settings (hostname,
// limits, policies; their `starttls` is resolved into `tls` by the wiring), the scenario's
// [server] overrides, and what they prebuild. Call prepare() after changing.
struct SessionConfig : Settings {
  std::string banner_text = "ESMTP Bounceback";
  bool tls_available = false;  // STARTTLS can be offered
  Requirement tls = Requirement::optional;
  Requirement auth = Requirement::off;
  // AUTH is offered before TLS too; otherwise it answers 538 5.7.11 until STARTTLS.
  bool auth_plaintext = false;
  // Checks AUTH credentials; null: any credentials pass.
  std::shared_ptr<const auth::Authenticator> authenticator;
  // The EHLO capability list, in the order advertised (STARTTLS and AUTH only when they apply).
  // What is left out is not done either (extensions.hpp); prepare() fills `offered`.
  std::vector<Extension> extensions{default_extensions.begin(), default_extensions.end()};
  ExtensionSet offered = every_extension;
  // ENHANCEDSTATUSCODES is not offered: the server's own replies go out without X.Y.Z codes
  // (a Decision's reply is sent as written). Set by prepare().
  bool bare_codes = false;
  bool lists(Extension e) const {
    return std::find(extensions.begin(), extensions.end(), e) != extensions.end();
  }

  // Prebuilt wire replies (hostname-dependent), filled by prepare().
  std::string banner, ehlo_plain, ehlo_tls, helo, closing_timeout, closing_errors, closing_shutdown,
      too_many_connections, too_many_from_address, too_many_messages, bare_lf_rejected,
      bare_lf_disconnect;
  void prepare();
};

// What the transport must do after a feed() or start().
struct Output {
  std::string now;    // replies to send at once, in order
  std::string paced;  // then this reply, after `delay`, one byte per `drip` when set
  std::chrono::milliseconds delay{0}, drip{0};
  // Or `paced` in the pieces `pacing` cuts (split, line_pause), `pause` between them.
  Pacing pacing = Pacing::whole;
  std::chrono::milliseconds pause{0};
  Cuts cuts;
  // A scripted shutdown: an unsolicited 421 this long from now (Session::shutdown()).
  std::chrono::milliseconds shutdown_in{0};
  // store: store `message` (moving it out), then report with Session::stored() before
  // feeding more; the session answers the message only then. reset: close with a TCP RST.
  // consult: start the Policy's Inquiry (Session::inquiry()), then call Session::consulted().
  enum class Then : std::uint8_t {
    read,
    close,
    hang,
    start_tls,
    store,
    reset,
    consult
  } then = Then::read;
  AcceptedMessage message;  // with Then::store; clear() leaves it to the one who stores it

  // True when the transport must act (wait, close, hang, handshake) before feeding more.
  bool paused() const { return !paced.empty() || delay.count() > 0 || then != Then::read; }
  void clear() {
    now.clear();
    paced.clear();
    delay = drip = pause = shutdown_in = std::chrono::milliseconds{0};
    pacing = Pacing::whole;
    then = Then::read;
  }
};

struct CommandRow;

class Session {
 public:
  Session(std::shared_ptr<const SessionConfig> config, Policy& policy, TranscriptSink* transcript,
          SessionFacts facts);

  // The greeting, or what the Policy makes of the connect event.
  void start(Output& out);
  // Consumes input; returns how many bytes it used. It stops early (out.paused()) when the
  // transport must act first, or keeps an incomplete command line unconsumed; call again
  // with the rest. Input after STARTTLS's 220 is consumed and discarded, never executed.
  std::size_t feed(std::string_view input, Output& out);
  // The transport finished the TLS handshake after STARTTLS (or at once for SMTPS).
  void tls_started(std::string version, std::string cipher);
  // After Output::Then::store, whether the message is stored: its reply (250 or 451 4.3.0)
  // is added to `out`, which may still hold the replies sent before it.
  void stored(bool ok, Output& out);
  // The client was silent too long / the server is shutting down: 421 and close.
  void timeout(Output& out);
  void shutdown(Output& out);
  // After Output::Then::consult: what the Policy asks, to be started by the transport.
  Inquiry* inquiry() const { return inquiry_.get(); }
  // The Inquiry called back: the event is decided again with its answer. A connect or a
  // message continues here; a command line was left unconsumed: feed it again.
  void consulted(Output& out);
  // What became of the paced reply (Output::paced); the Policy hears it (Policy::sent).
  void paced_written(Sent how);
  // The connection is over without the session closing it: the client left (`client_left`)
  // or the transport cut a delay short (`closed`). An open transaction ends (Policy::ended).
  void connection_lost(Ending how);

  bool closed() const { return phase_ == Phase::closed; }
  const SessionFacts& facts() const { return facts_; }

 private:
  enum class Phase : std::uint8_t { command, data, bdat, closed };
  friend struct CommandTable;  // its rows name the handlers

  // A command line: the table's checks (session_commands.cpp), then the row's handler.
  void command(std::string_view line, Output& out);
  // The reply of the first precondition of `row` that fails; empty when all hold.
  std::string_view unmet(const CommandRow& row, std::string_view arg) const;
  void greet(std::string_view arg, bool extended, Output& out);
  void on_helo(std::string_view arg, Output& out);
  void on_ehlo(std::string_view arg, Output& out);
  void on_lhlo(std::string_view arg, Output& out);
  void on_mail(std::string_view arg, Output& out);
  void on_rcpt(std::string_view arg, Output& out);
  void on_data(std::string_view arg, Output& out);
  void on_bdat(std::string_view arg, Output& out);
  void on_rset(std::string_view arg, Output& out);
  void on_noop(std::string_view arg, Output& out);
  void on_vrfy(std::string_view arg, Output& out);
  void on_expn(std::string_view arg, Output& out);
  void on_help(std::string_view arg, Output& out);
  void on_quit(std::string_view arg, Output& out);
  void on_starttls(std::string_view arg, Output& out);
  void on_auth(std::string_view arg, Output& out);
  void sasl_response(std::string_view line, Output& out);
  void sasl_step(const auth::Exchange::Step& step, Output& out);
  void sasl_verdict(Output& out);
  std::size_t line_limit(std::string_view line_start) const;
  void on_unknown(std::string_view line, Output& out);
  void simple(EventKind kind, std::string_view arg, std::string_view normal, Output& out);
  std::string_view transaction_error() const;
  void finish_message(Output& out, bool chunked);
  void complete_message(bool stored, const Event& ev, const Decision& d, Output& out);
  // LMTP (RFC 2033 §4.2, session_lmtp.cpp): the message decided once per recipient, stored for
  // those accepted, then one reply per recipient in RCPT order.
  void finish_lmtp_message(Event& ev, bool chunked, Output& out);
  void complete_lmtp_message(bool stored, Output& out);
  // `wire` once per accepted recipient under LMTP, once otherwise: the server's own answer to
  // a message it refuses as a whole (too big, bare LF).
  void with_bdat_pacing(Decision& d) const;
  // Hands the transaction's message out to be stored (Output::Then::store), every recipient.
  void hand_out(bool chunked, Output& out);
  void send_per_recipient(std::string_view wire, Output& out);
  // `ev` narrowed to the i-th recipient: rules see it as {rcpt} and as the only recipient.
  Event for_recipient(const Event& ev, std::size_t i) const;
  void finish_chunk(Output& out);

  Event event(EventKind kind, std::string_view arg = {});
  // An event for reports, not for decide(): the sequence is not advanced.
  Event quiet_event(EventKind kind) const;
  // Asks the Policy; applies drop/hang. Returns false when nothing more is to be sent (also
  // when the Policy asks an Inquiry first: then the session pauses with Then::consult).
  bool decide(const Event& ev, Decision& d, Output& out);
  // Pauses the session on `d.inquiry`, for `ev` to be decided again once it is answered.
  void wait_for(const Event& ev, Decision& d, Output& out);
  // The message's decision taken (at once or after an Inquiry): store it or refuse it.
  void decided_message(Event& ev, Decision d, bool chunked, Output& out);
  // Applies a drop or hang: no reply (reported with an empty wire), then close or hang.
  void halt(const Event& ev, const Decision& d, Output& out);
  // Tells the Policy that the transaction's accepted recipients end here unanswered
  // (Policy::ended); nothing when none was accepted, the common case.
  void end_transaction(EventKind kind, Ending how, std::string_view wire = {});
  // Which replies go to Policy::replied: MAIL, RCPT, DATA and the message's always; the
  // banner's and HELO's when they refuse or close (for the attempt log).
  enum class Report : std::uint8_t { never, refusal, always };
  // Sends `normal` or the decision's reply; returns whether the reply sent was positive.
  bool reply(const Event& ev, const Decision& d, std::string_view normal, Output& out,
             Report report = Report::never);
  // Sends one of the server's own replies (without its enhanced codes under bare_codes).
  void send(std::string_view wire, Output& out);
  // `wire` as the server sends its own replies: itself, or without enhanced codes in plain_.
  std::string_view own(std::string_view wire);
  void protocol_error(std::string_view wire, Output& out);
  // Tells the policy about a refusal of MAIL/RCPT/DATA/BDAT that did not go through
  // decide() (Policy::refused); returns `wire`, for the caller to send.
  // `address`: at rcpt the recipient, at mail the sender refused.
  std::string_view refused(EventKind kind, std::string_view wire, std::string_view address = {});
  // refused() given the command's raw argument: at MAIL and RCPT, the address when it
  // parses, else the argument as written.
  std::string_view refused_command(EventKind kind, std::string_view wire, std::string_view arg);
  void close_with(std::string_view wire, Output& out);
  // shutdown_after's count of command lines ran out: an unsolicited 421, then close.
  void shut_down_unasked(Output& out);
  void reset_transaction();
  void new_queue_id();

  std::shared_ptr<const SessionConfig> config_;
  Policy& policy_;
  TranscriptSink* transcript_;
  SessionFacts facts_;

  Phase phase_ = Phase::command;
  enum class Greeting : std::uint8_t {
    awaited,  // no HELO/EHLO yet (or since STARTTLS)
    given,
    refused,  // the banner was a 554: only QUIT is served (RFC 5321 §3.1)
  } greeting_ = Greeting::awaited;
  struct LineState {
    bool skipping = false;    // inside an overlong command line
    bool bare_lf = false;     // the command line being run ended in LF without CR
    bool more_input = false;  // and more input followed it in the same read
  } line_;
  struct Counts {  // for the limits, the event sequence and unique ids
    unsigned errors = 0, commands = 0;
    std::uint32_t events = 0, transactions = 0, auth_exchanges = 0;
  } counts_;
  std::optional<auth::Exchange> sasl_;  // an AUTH exchange in progress: lines are responses
  Transaction txn_;
  DataDecoder decoder_;  // DATA's reader; its body holds the message for BDAT too
  // What the reply to a message handed out for storing (Then::store) needs. Inline, not
  // allocated: storing is on the hot path.
  struct PendingStore {
    Event event;
    Decision decision;
  };
  std::optional<PendingStore> pending_;
  // LMTP: each recipient's decision on the message, in RCPT order (empty on SMTP listeners).
  std::vector<Decision> lmtp_decisions_;
  // The reported reply being paced (a delay or drip): the Policy hears when it is written.
  struct PacedReport {
    EventKind kind;
    std::uint32_t sequence;
  };
  std::optional<PacedReport> paced_report_;
  // An event paused for the Policy's Inquiry (Then::consult), and what resumes it: the
  // greeting, the command line (fed again: replay_ keeps it out of the transcript and the
  // counts a second time), or the message (pending_ holds its event).
  std::unique_ptr<Inquiry> inquiry_;
  enum class Waiting : std::uint8_t { none, start, line, message } waiting_ = Waiting::none;
  bool replay_ = false;
  bool waiting_chunked_ = false;          // the message waiting came by BDAT
  std::uint16_t shutdown_countdown_ = 0;  // command lines left before shut_down_unasked()
  std::string plain_;                     // own()'s reply without enhanced codes (bare_codes only)
  // The command being answered, for send()'s 4xx/5xx to Policy::refused_other (refusal log);
  // reported_: the Policy already heard of the reply send() is about to write.
  EventKind stage_ = EventKind::unknown;
  bool reported_ = false;
};

}  // namespace bounceback::smtp
