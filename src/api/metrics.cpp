// Renders the metrics text. Names follow Prometheus conventions: *_total for counters,
// base units (bytes, seconds), one HELP and TYPE line per family.
#include "api/metrics.hpp"

#include "version/version.hpp"

namespace bounceback::api {
namespace {

void family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void sample(std::string& out, std::string_view name, std::uint64_t value,
            std::string_view labels = {}) {
  out.append(name);
  if (!labels.empty()) out.append("{").append(labels).append("}");
  out.append(" ").append(std::to_string(value)).append("\n");
}

void one(std::string& out, std::string_view name, std::string_view type, std::string_view help,
         std::uint64_t value) {
  family(out, name, type, help);
  sample(out, name, value);
}

// A label value: backslash, double quote and newline escaped (exposition format).
std::string label_value(std::string_view v) {
  std::string out;
  for (const char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

std::string render_metrics(const ApiContext& ctx) {
  std::string out;
  family(out, "bounceback_build_info", "gauge", "Always 1; the labels say which build runs.");
  sample(out, "bounceback_build_info", 1,
         "version=\"" + label_value(version::number()) + "\",revision=\"" +
             label_value(version::revision()) + "\"");
  const auto& c = ctx.counters;
  one(out, "bounceback_sessions_total", "counter", "SMTP sessions started.", c.sessions.load());
  one(out, "bounceback_open_connections", "gauge", "SMTP connections open now.", c.current.load());
  one(out, "bounceback_connections_refused_total", "counter",
      "Connections refused beyond --max-connections.", c.refused.load());
  one(out, "bounceback_timeouts_total", "counter", "Sessions closed for idle or session timeout.",
      c.timeouts.load());
  family(out, "bounceback_tls_handshakes_total", "counter",
         "TLS handshakes (STARTTLS and SMTPS), by result.");
  sample(out, "bounceback_tls_handshakes_total", c.tls_handshakes.load(), "result=\"success\"");
  sample(out, "bounceback_tls_handshakes_total", c.tls_failures.load(), "result=\"failure\"");
  family(out, "bounceback_proxy_headers_total", "counter",
         "PROXY protocol headers (--proxy-protocol): read, or refused (missing, malformed, "
         "late: the connection closed without a banner).");
  sample(out, "bounceback_proxy_headers_total", c.proxy_headers.load(), "result=\"accepted\"");
  sample(out, "bounceback_proxy_headers_total", c.proxy_refused.load(), "result=\"refused\"");
  one(out, "bounceback_received_bytes_total", "counter", "Bytes received from SMTP clients.",
      c.bytes_in.load());
  one(out, "bounceback_sent_bytes_total", "counter", "Bytes sent to SMTP clients.",
      c.bytes_out.load());

  one(out, "bounceback_messages_accepted_total", "counter", "Messages accepted (250) and stored.",
      ctx.messages.accepted());
  family(out, "bounceback_messages_evicted_total", "counter",
         "Messages dropped from memory, oldest first, by the bound that dropped them.");
  const auto by_bytes = ctx.messages.evicted_by_bytes();
  sample(out, "bounceback_messages_evicted_total", ctx.messages.evicted() - by_bytes,
         "bound=\"max_messages\"");
  sample(out, "bounceback_messages_evicted_total", by_bytes, "bound=\"max_store_bytes\"");
  one(out, "bounceback_messages_stored", "gauge", "Messages held in memory now.",
      ctx.messages.size());
  one(out, "bounceback_messages_stored_bytes", "gauge",
      "Bytes of the messages held in memory now (--max-store-bytes bounds them).",
      ctx.messages.bytes());
  one(out, "bounceback_spool_failures_total", "counter", "Failed writes to --store-dir.",
      ctx.messages.spool_failures());
  if (ctx.address_search) {  // built by the first whole-address search (docs/api.md, Search)
    const auto index = ctx.address_search->stats();
    one(out, "bounceback_search_index_messages", "gauge",
        "Stored messages the search's address index holds (0 until a whole-address search).",
        index.messages);
    one(out, "bounceback_search_index_addresses", "gauge",
        "Distinct addresses (per to:/from: field) in the search's address index.", index.addresses);
    one(out, "bounceback_search_index_parsed_total", "counter",
        "Messages whose From/To/Cc headers the search's address index parsed (once each).",
        index.parsed);
    one(out, "bounceback_search_index_steps_total", "counter",
        "Catch-ups of the search's address index that parsed headers (2,048 messages at most "
        "each).",
        index.steps);
  }

  if (const auto* r = ctx.reactions) {
    family(out, "bounceback_reactions_total", "counter",
           "Reactions to accepted messages (DSNs, auto-replies, complaints), by outcome: "
           "scheduled, generated, refused (queue full), suppressed (RFC 3834), cleared (reset).");
    sample(out, "bounceback_reactions_total", r->scheduled.load(), "outcome=\"scheduled\"");
    sample(out, "bounceback_reactions_total", r->generated.load(), "outcome=\"generated\"");
    sample(out, "bounceback_reactions_total", r->refused.load(), "outcome=\"refused\"");
    sample(out, "bounceback_reactions_total", r->suppressed.load(), "outcome=\"suppressed\"");
    sample(out, "bounceback_reactions_total", r->cleared.load(), "outcome=\"cleared\"");
    one(out, "bounceback_reactions_pending", "gauge", "Reactions waiting for their time.",
        r->pending.load());
  }
  if (const auto* r = ctx.relay) {
    family(out, "bounceback_return_relay_total", "counter",
           "Generated messages sent to --return-relay, by outcome: delivered, retried (an "
           "attempt that got a 4xx or no answer), failed (given up).");
    sample(out, "bounceback_return_relay_total", r->delivered.load(), "outcome=\"delivered\"");
    sample(out, "bounceback_return_relay_total", r->retried.load(), "outcome=\"retried\"");
    sample(out, "bounceback_return_relay_total", r->failed.load(), "outcome=\"failed\"");
  }
  if (const auto* state = ctx.engine.shared_state()) {  // --state
    const auto& c = state->counters();
    one(out, "bounceback_state_calls_total", "counter",
        "Decisions that asked the shared state (--state): one round trip each.", c.calls.load());
    family(out, "bounceback_state_failures_total", "counter",
           "Round trips that got no answer (--state-failure decided), by reason: timeout "
           "(--state-timeout), error (Redis down, refused, or an error reply).");
    sample(out, "bounceback_state_failures_total", c.timeouts.load(), "reason=\"timeout\"");
    sample(out, "bounceback_state_failures_total", c.failures.load() - c.timeouts.load(),
           "reason=\"error\"");
    one(out, "bounceback_state_connections_total", "counter",
        "Connections made to the shared state (reconnections after the first).", c.connects.load());
    one(out, "bounceback_state_up", "gauge", "1 while connected to the shared state.",
        c.up.load() ? 1u : 0u);
  }
  if (const auto* c = ctx.capture) {  // --state: the shared capture
    one(out, "bounceback_capture_published_total", "counter",
        "Records (messages, deletes, clears, attempt log changes) this replica wrote to the "
        "shared capture.",
        c->published.load());
    one(out, "bounceback_capture_replicated_total", "counter",
        "Messages other replicas captured, kept here from the shared capture.", c->received.load());
    one(out, "bounceback_capture_removals_total", "counter",
        "Deletes and clears other replicas were asked for, applied here.", c->removals.load());
    one(out, "bounceback_capture_attempt_changes_total", "counter",
        "Changes other replicas made to their attempt logs, applied here.", c->attempts.load());
    family(out, "bounceback_capture_dropped_total", "counter",
           "Entries not shared, by reason: too_large (--state-capture-max-size), outbox_full "
           "(Redis away too long), refused (an error reply), unreadable (read, skipped).");
    sample(out, "bounceback_capture_dropped_total", c->too_large.load(), "reason=\"too_large\"");
    sample(out, "bounceback_capture_dropped_total", c->outbox_full.load(),
           "reason=\"outbox_full\"");
    sample(out, "bounceback_capture_dropped_total", c->failed.load(), "reason=\"refused\"");
    sample(out, "bounceback_capture_dropped_total", c->unreadable.load(), "reason=\"unreadable\"");
    one(out, "bounceback_capture_outbox", "gauge",
        "Entries not yet taken by Redis: waiting (Redis slow or away) or sent, unanswered.",
        c->outbox.load());
    one(out, "bounceback_capture_up", "gauge",
        "1 while both connections of the shared capture are up.", c->up.load() ? 1u : 0u);
    one(out, "bounceback_capture_replicas", "gauge",
        "Other replicas found through the shared capture's announcements, whose streams are "
        "read.",
        c->replicas.load());
  }
  one(out, "bounceback_sessions_evicted_total", "counter",
      "Sessions dropped from the session log by --max-sessions or --max-session-bytes.",
      ctx.sessions.evicted());
  one(out, "bounceback_sessions_stored", "gauge", "Sessions held in the session log now.",
      ctx.sessions.size());
  one(out, "bounceback_session_log_bytes", "gauge",
      "Bytes the session log holds for transcripts (bounded by --max-session-bytes).",
      ctx.sessions.bytes());
  one(out, "bounceback_transcript_lines_elided_total", "counter",
      "Transcript lines left out between a session's first and last lines "
      "(--max-transcript-bytes).",
      ctx.sessions.elided_lines());

  const auto scenario = ctx.engine.scenario();
  const auto hits = ctx.engine.rule_hits();
  family(out, "bounceback_rule_hits_total", "counter",
         "Events decided by each rule of the scenario in force (restarts on a scenario swap).");
  const std::string name = label_value(scenario ? scenario->name : std::string("accept-all"));
  for (std::size_t i = 0; i < hits.size(); ++i) {
    std::string labels = "scenario=\"" + name + "\",rule=\"" + std::to_string(i) + "\"";
    if (scenario && i < scenario->rules.size())
      labels += ",line=\"" + std::to_string(scenario->rules[i].line) + "\"";
    sample(out, "bounceback_rule_hits_total", hits[i], labels);
  }
  one(out, "bounceback_address_encoded_hits_total", "counter",
      "Replies chosen by address-encoded recipients (e.g. 550@reply.test).",
      ctx.engine.address_encoded_hits());

  if (ctx.replies) {
    family(out, "bounceback_replies_total", "counter",
           "Replies to MAIL, RCPT, DATA/BDAT and end of message, by basic code.");
    for (unsigned code = 200; code < 600; ++code)
      if (const auto n = ctx.replies->count(code))
        sample(out, "bounceback_replies_total", n, "code=\"" + std::to_string(code) + "\"");
  }

  family(out, "bounceback_clock_offset_seconds", "gauge",
         "How far POST /api/v1/clock/advance moved the scenario clock.");
  out += "bounceback_clock_offset_seconds " +
         std::to_string(static_cast<double>(ctx.clock.offset().count()) / 1000.0) + "\n";
  return out;
}

}  // namespace bounceback::api
