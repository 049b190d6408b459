// Derived lookup data of a Scenario, computed once after loading.
#include "scenario/scenario.hpp"

namespace bounceback::scenario {

void Scenario::build_index() {
  for (auto& v : by_event) v.clear();
  stateful_event.fill(false);
  has_quota = counts_connections = false;
  for (const auto& rule : rules) {
    for (std::size_t k = 0; k < smtp::event_kind_count; ++k) {
      if (!(rule.on & event_bit(static_cast<smtp::EventKind>(k)))) continue;
      by_event[k].push_back(rule.index);
      if (rule.stateful()) stateful_event[k] = true;
    }
    if (rule.quota) has_quota = true;
    if (rule.attempts && (rule.on & event_bit(smtp::EventKind::connect))) counts_connections = true;
  }
  for (std::size_t k = 0; k < smtp::event_kind_count; ++k)
    by_domain[k] = RuleIndex(rules, by_event[k], static_cast<smtp::EventKind>(k));
  body_regexes = BodyRegexes(rules);
}

}  // namespace bounceback::scenario
