// Filing rules by literal domain; the reasoning is in rule_index.hpp.
#include "scenario/rule_index.hpp"

#include "smtp/command.hpp"

namespace bounceback::scenario {

bool RuleIndex::DomainEqual::operator()(std::string_view a, std::string_view b) const {
  return smtp::iequals(a, b);
}

RuleIndex::RuleIndex(const std::vector<Rule>& rules, std::vector<std::uint32_t> listening,
                     smtp::EventKind kind)
    : all_(std::move(listening)) {
  for (const auto index : all_) {
    const Rule& rule = rules[index];
    // At rcpt the recipient is one address; at data/message `rcpt` holds if any does.
    const auto rcpt_domain =
        kind == smtp::EventKind::rcpt && rule.rcpt ? rule.rcpt->literal_domain() : std::nullopt;
    const auto from_domain = rule.from ? rule.from->literal_domain() : std::nullopt;
    if (rcpt_domain)
      by_rcpt_[*rcpt_domain].push_back(index);
    else if (from_domain)
      by_from_[*from_domain].push_back(index);
    else
      unindexed_.push_back(index);
  }
}

std::optional<RuleIndex::Rules> RuleIndex::lookup(const DomainMap& m, std::string_view address) {
  if (m.empty()) return Rules{};
  const auto at = address.rfind('@');
  if (at == std::string_view::npos) return Rules{};  // every filed pattern needs an '@'
  const auto domain = address.substr(at + 1);
  for (const char c : domain)
    if (static_cast<unsigned char>(c) >= 0x80) return std::nullopt;
  const auto it = m.find(domain);
  return it == m.end() ? Rules{} : Rules(it->second);
}

}  // namespace bounceback::scenario
