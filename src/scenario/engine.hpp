// The rule engine: the smtp::Policy the server installs. Walks the current scenario's rules
// for each event (first match wins), keeps the stateful tables and the attempt log, and falls
// back to address-encoded replies. Thread-safe; the scenario can be swapped at any time.
#pragma once

#include <atomic>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "scenario/attempt_log.hpp"
#include "scenario/attempt_table.hpp"
#include "scenario/clock.hpp"
#include "scenario/greylist_table.hpp"
#include "scenario/match.hpp"
#include "scenario/quota_table.hpp"
#include "scenario/rate_table.hpp"
#include "scenario/reaction.hpp"
#include "scenario/scenario.hpp"
#include "scenario/settings.hpp"
#include "scenario/shared_state.hpp"
#include "smtp/event.hpp"

namespace bounceback::scenario {

class Engine final : public smtp::Policy {
 public:
  // Starts with an empty scenario (accept everything; address-encoded replies work).
  explicit Engine(std::shared_ptr<const Clock> clock, Settings settings = {});

  // With shared state, an event whose rules need it is answered with an Inquiry first
  // (engine_shared.cpp), then decided again with the answer; any other as without.
  smtp::Decision decide(const smtp::Event& event) override {
    if (shared_ && event.may_wait) [[unlikely]]
      return decide_shared(event);
    return decide_local(event);
  }
  void replied(const smtp::Event& event, std::string_view wire,
               const smtp::Decision& decision) override;
  // The session's own RCPT and MAIL refusals are attempts too.
  void refused(const smtp::Event& event, std::string_view wire) override;
  void ended(const smtp::Event& event, smtp::Ending how, std::string_view wire) override;
  void sent(const smtp::Event& event, smtp::Sent how) override;

  // Atomic swap: a session sees the old or the new scenario, never a mix. Rule hit counters
  // restart; stateful tables are kept (use reset_state()).
  void set_scenario(std::shared_ptr<const Scenario> scenario);
  std::shared_ptr<const Scenario> scenario() const;  // its `source` is the TOML text
  // Forgets greylist, attempt counters, quotas, rate windows and the attempt log.
  void reset_state();

  std::vector<AttemptRecord> attempts(std::string_view from_filter,
                                      std::string_view rcpt_filter) const;
  // One page of those `matches` accepts (AttemptLog::query), for the API.
  AttemptPage attempts(const std::function<bool(const AttemptRecord&)>& matches, std::size_t start,
                       std::size_t limit) const;
  std::vector<std::uint64_t> rule_hits() const;  // per rule index of the current scenario
  std::uint64_t address_encoded_hits() const { return encoded_hits_.load(); }
  // Who carries out the reactions of accepted messages (DSNs, auto-replies, complaints);
  // set once, before serving. Without one, reactions are not planned.
  void set_reactor(Reactor* reactor) { reactor_ = reactor; }
  // Keeps the stateful tables in `shared` (Redis) instead of memory; set once, before serving.
  // What is decided without a round trip (AUTH, BDAT's data, LMTP's per-recipient replies)
  // and a failed round trip under StateFailure::open use the tables in memory.
  void set_shared_state(SharedState* shared, StateFailure failure) {
    shared_ = shared;
    failure_ = failure;
  }
  const SharedState* shared_state() const { return shared_; }
  // --state: told of each change to the attempt log (set once, before serving), and the log
  // itself, where the other replicas' changes are applied.
  // --state: the listener also takes the log's held attempts (AttemptLog::share_with).
  void set_attempt_listener(AttemptListener* listener) {
    attempt_listener_ = listener;
    log_.share_with(listener);
  }
  AttemptLog& attempt_log() { return log_; }

 private:
  struct Active;
  class StateInquiry;
  smtp::Decision decide_local(const smtp::Event& event);
  // The same with the scenario in force loaded already (decide_shared: one atomic load of
  // active_ per event, not two).
  smtp::Decision decide_local(const smtp::Event& event, const Active& active);
  smtp::Decision decide_shared(const smtp::Event& event);
  // decide_shared's question to the store, apart: the stateless path (most events) runs a
  // small function, not this one's frame (some 60 instructions an event).
  [[gnu::noinline]] smtp::Decision ask_shared(const smtp::Event& event,
                                              std::shared_ptr<const Active> active, bool counts);
  smtp::Decision decide_answered(const smtp::Event& event);
  // The decision of rule `index` (its stateless matchers are run again for the template).
  smtp::Decision decide_by(const Active& active, std::uint32_t index, const smtp::Event& event,
                           std::uint32_t recipient, TimePoint now) const;
  bool matches_stateful(const Scenario& s, const Rule& rule, const smtp::Event& event,
                        std::uint64_t attempt, TimePoint now, MatchInfo& info);
  smtp::Decision act(const Scenario& s, const Rule& rule, const smtp::Event& event,
                     const MatchInfo& info, TimePoint now) const;
  smtp::Decision server_reply(const Scenario& s, const smtp::Event& event, TimePoint now) const;
  static TemplateValues template_values(const Scenario& s, const smtp::Event& event,
                                        const MatchInfo& info, TimePoint now);
  // `counts`: the shared counters of the event's recipients (empty: those in memory).
  smtp::Decision address_encoded(const Scenario& s, const smtp::Event& event, std::uint64_t attempt,
                                 std::span<const std::uint64_t> counts = {});
  static Outcome ended_outcome(std::string_view wire, const smtp::Decision& d);
  void end_transaction(const smtp::Event& event, std::string_view wire, const smtp::Decision& d);
  // `in_force`: the scenario, when the caller holds it already (else loaded for the quotas).
  void complete_all(const smtp::Event& event, const Completion& how,
                    const Scenario* in_force = nullptr);
  void record_refusal(const smtp::Event& event, std::string_view wire, Outcome outcome, bool paced);
  void record_rcpt(const smtp::Event& event, std::string_view wire, Outcome outcome, bool paced);

  std::shared_ptr<const Clock> clock_;
  std::atomic<std::shared_ptr<const Active>> active_;
  GreylistTable greylist_;
  AttemptTable attempts_;
  QuotaTable quotas_;
  RateTable rates_;
  AttemptLog log_;
  std::atomic<std::uint64_t> encoded_hits_{0};
  Reactor* reactor_ = nullptr;
  std::chrono::milliseconds attempts_expire_, quota_expire_;  // the shared tables' expiry
  SharedState* shared_ = nullptr;
  StateFailure failure_ = StateFailure::open;
  AttemptListener* attempt_listener_ = nullptr;
};

}  // namespace bounceback::scenario
