// Pseudonyms for addresses (see anonymizer.hpp).
#include "import/anonymizer.hpp"

#include <re2/re2.h>

#include "import/model.hpp"

namespace bounceback::import {

Anonymizer::Anonymizer(std::vector<std::pair<std::string, std::string>> domain_map,
                       bool map_all_domains)
    : map_all_(map_all_domains) {
  for (auto& [from, to] : domain_map) domains_[lower(from)] = std::move(to);
}

std::string Anonymizer::domain(std::string_view d) {
  const auto key = lower(d);
  if (const auto it = domains_.find(key); it != domains_.end()) return it->second;
  if (!map_all_) return std::string(d);
  auto mapped = "domain-" + std::to_string(next_domain_++) + ".test";
  domains_.emplace(key, mapped);
  return mapped;
}

std::string Anonymizer::address(std::string_view a) {
  if (a.empty()) return {};
  const auto key = lower(a);
  if (const auto it = addresses_.find(key); it != addresses_.end()) return it->second;
  const auto at = a.rfind('@');
  std::string pseudonym = "user-" + std::to_string(next_user_++);
  if (at != std::string_view::npos) pseudonym += "@" + domain(a.substr(at + 1));
  addresses_.emplace(key, pseudonym);
  return pseudonym;
}

std::string Anonymizer::text(std::string_view t) {
  static const RE2 addr(R"(([A-Za-z0-9._%+=#&'/-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+))");
  std::string out;
  re2::StringPiece in(t.data(), t.size());
  re2::StringPiece found;
  const char* done = t.data();
  while (RE2::FindAndConsume(&in, addr, &found)) {
    out.append(done, found.data());
    out += address(std::string_view(found.data(), found.size()));
    done = found.data() + found.size();
  }
  out.append(done, t.data() + t.size());
  return out;
}

}  // namespace bounceback::import
