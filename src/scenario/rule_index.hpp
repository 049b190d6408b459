// The rules of one event kind, filed by the literal domain their address pattern requires, so
// that a RCPT to example.com does not look at the 85 rules for `*@domainN.invalid`.
//
// Why it is exact: a glob whose text after its last '@' is an ASCII literal D (no wildcard,
// `*@d.test`, `bob@d.test`, `b?b@d.test`) matches an address only if the address's part after
// its last '@' equals D, ASCII case-insensitively, when that part is ASCII: the pattern's '@'
// can only match an '@' byte, no character of D matches '@', so the pattern's '@' is the
// address's last one, and each ASCII character of D then matches exactly one ASCII character.
// RE2 also folds U+212A KELVIN SIGN onto k and U+017F LONG S onto s, so an address whose
// domain part has a non-ASCII byte may match D without equalling it: for such an address
// every rule of the event is a candidate, as without the index.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "scenario/hash.hpp"
#include "scenario/rule.hpp"
#include "smtp/event.hpp"

namespace bounceback::scenario {

class RuleIndex {
 public:
  // `listening`: the indexes of the rules that listen to `kind`, ascending.
  RuleIndex(const std::vector<Rule>& rules, std::vector<std::uint32_t> listening,
            smtp::EventKind kind);
  RuleIndex() = default;

  // The first rule index, in file order, among the rules that may match `e` for which
  // `holds(index)` is true. Calls `holds` in ascending order, as a walk of every rule would,
  // and skips only rules whose domain cannot match.
  template <class Pred>
  std::optional<std::uint32_t> first(const smtp::Event& e, Pred&& holds) const;

 private:
  using Rules = std::span<const std::uint32_t>;
  // Keys are lower-case domains; lookups take any case.
  struct DomainHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view d) const { return KeyHash().add(d).value(); }
  };
  struct DomainEqual {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const;
  };
  using DomainMap =
      std::unordered_map<std::string, std::vector<std::uint32_t>, DomainHash, DomainEqual>;

  // The rules of `m` filed under `address`'s domain (none when it has no '@'); nullopt when
  // the domain is not ASCII (then any rule of `m` may match).
  static std::optional<Rules> lookup(const DomainMap& m, std::string_view address);

  std::vector<std::uint32_t> all_;        // every rule listening, ascending
  std::vector<std::uint32_t> unindexed_;  // those without a literal domain, ascending
  DomainMap by_rcpt_;  // at rcpt only: by the domain of `rcpt` (elsewhere any recipient counts)
  DomainMap by_from_;  // by the domain of `from`, for rules not filed by `rcpt`
};

template <class Pred>
std::optional<std::uint32_t> RuleIndex::first(const smtp::Event& e, Pred&& holds) const {
  const auto rcpt = lookup(by_rcpt_, e.rcpt);
  const auto from = lookup(by_from_, e.from);
  if (!rcpt || !from) {
    for (const auto index : all_)
      if (holds(index)) return index;
    return std::nullopt;
  }
  // Each rule is in exactly one of these ascending lists: merge them, smallest index first.
  std::array<Rules, 3> lists{Rules(unindexed_), *rcpt, *from};
  for (;;) {
    Rules* next = nullptr;
    for (auto& l : lists)
      if (!l.empty() && (!next || l.front() < next->front())) next = &l;
    if (!next) return std::nullopt;
    const auto index = next->front();
    *next = next->subspan(1);
    if (holds(index)) return index;
  }
}

}  // namespace bounceback::scenario
