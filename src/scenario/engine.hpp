// The rule engine: the smtp::Policy the server installs. Walks the current scenario's rules
// for each event (first match wins), keeps the stateful tables and the attempt log, and falls
// back to address-encoded replies. Thread-safe; the scenario can be swapped at any time.
#pragma once

#include <atomic>
#include <memory>
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
#include "smtp/event.hpp"

namespace bounceback::scenario {

class Engine final : public smtp::Policy {
 public:
  // Starts with an empty scenario (accept everything; address-encoded replies work).
  explicit Engine(std::shared_ptr<const Clock> clock, Settings settings = {});

  smtp::Decision decide(const smtp::Event& event) override;
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

 private:
  struct Active;
  bool matches_stateful(const Scenario& s, const Rule& rule, const smtp::Event& event,
                        std::uint64_t attempt, TimePoint now, MatchInfo& info);
  smtp::Decision act(const Scenario& s, const Rule& rule, const smtp::Event& event,
                     const MatchInfo& info, TimePoint now) const;
  smtp::Decision server_reply(const Scenario& s, const smtp::Event& event, TimePoint now) const;
  static TemplateValues template_values(const Scenario& s, const smtp::Event& event,
                                        const MatchInfo& info, TimePoint now);
  smtp::Decision address_encoded(const Scenario& s, const smtp::Event& event,
                                 std::uint64_t attempt);
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
};

}  // namespace bounceback::scenario
