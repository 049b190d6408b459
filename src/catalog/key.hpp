// Internal: the sort key of an enhanced status code ("5.1.10", "X.7.26"), shared by the table's
// compile-time sortedness check and the binary search.
#pragma once

#include <optional>
#include <string_view>

namespace bounceback::catalog::detail {

struct EnhancedKey {
  int subject, detail, klass;  // klass: 0 for generic 'X', else 2, 4 or 5
  constexpr auto operator<=>(const EnhancedKey&) const = default;
};

constexpr std::optional<int> parse_number(std::string_view s) {
  if (s.empty() || s.size() > 3) return std::nullopt;
  int n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n;
}

// "X.Y.Z" with X in {2,4,5,'X'}; nullopt for anything else.
constexpr std::optional<EnhancedKey> enhanced_key(std::string_view s) {
  if (s.size() < 5 || s[1] != '.') return std::nullopt;
  int klass = 0;
  if (s[0] == '2' || s[0] == '4' || s[0] == '5')
    klass = s[0] - '0';
  else if (s[0] != 'X' && s[0] != 'x')
    return std::nullopt;
  const auto rest = s.substr(2);
  const auto dot = rest.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  const auto subject = parse_number(rest.substr(0, dot));
  const auto detail = parse_number(rest.substr(dot + 1));
  if (!subject || !detail) return std::nullopt;
  return EnhancedKey{*subject, *detail, klass};
}

// The class-specific row ("5.7.606") standing for a provider's range of codes holding `key`
// (class-specific), or "" when no range does (enhanced_codes.cpp).
std::string_view provider_range_row(const EnhancedKey& key);

}  // namespace bounceback::catalog::detail
