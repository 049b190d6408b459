// One RE2::Set over the scenario's body regexes; any doubt falls back to each pattern alone.
#include "scenario/body_regexes.hpp"

#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>

#include "scenario/message_text.hpp"

namespace bounceback::scenario {

struct BodyRegexes::Impl {
  explicit Impl(const RE2::Options& options) : set(options, RE2::UNANCHORED) {}
  RE2::Set set;           // unanchored, like RE2::PartialMatch
  std::vector<int> slot;  // by rule index: the slot of its body regex in `set`, or -1
};

BodyRegexes::BodyRegexes(const std::vector<Rule>& rules) {
  std::vector<const Rule*> with_regex;
  for (const auto& rule : rules)
    if (rule.body && rule.body->regex()) with_regex.push_back(&rule);
  if (with_regex.size() < 2) return;
  // The options every "re:" pattern was compiled with, so the set answers as they would; the
  // memory bound is what they were allowed apart.
  RE2::Options options = with_regex.front()->body->regex()->options();
  options.set_max_mem(options.max_mem() * static_cast<std::int64_t>(with_regex.size()));
  auto impl = std::make_shared<Impl>(options);
  impl->slot.assign(rules.size(), -1);
  for (const Rule* rule : with_regex) {
    const int slot = impl->set.Add(rule->body->regex()->pattern(), nullptr);
    if (slot < 0) return;  // not expected: each one compiled alone
    impl->slot[rule->index] = slot;
  }
  if (impl->set.Compile()) impl_ = std::move(impl);
}

bool BodyRegexes::Search::matches(const Rule& rule) {
  if (!body_) body_ = message_text(message_, text_);
  const Impl* impl = regexes_.impl_.get();
  const int slot = impl ? impl->slot[rule.index] : -1;
  if (slot >= 0 && !searched_) {
    searched_ = true;
    std::vector<int> hits;
    RE2::Set::ErrorInfo error{};
    // false with kNoError is "none found"; any error (the DFA out of memory on a large body)
    // leaves found_ empty and each pattern is asked alone, as without the set.
    if (impl->set.Match(*body_, &hits, &error) || error.kind == RE2::Set::kNoError)
      found_ = std::move(hits);
  }
  if (slot >= 0 && found_) return std::find(found_->begin(), found_->end(), slot) != found_->end();
  return rule.body->matches(*body_);
}

}  // namespace bounceback::scenario
