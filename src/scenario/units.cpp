// Durations, sizes and ranges as scenario files spell them; strict: anything odd is rejected.
#include "scenario/units.hpp"

#include <array>
#include <cctype>

#include "smtp/command.hpp"

namespace bounceback::scenario {

using smtp::iequals;  // SMTP keywords and addresses compare ASCII case-insensitively
namespace {

// Reads leading digits into `out`; false when there are none or the value overflows.
bool take_number(std::string_view& s, std::uint64_t& out) {
  std::size_t i = 0;
  out = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
    const std::uint64_t d = static_cast<std::uint64_t>(s[i] - '0');
    if (out > (std::numeric_limits<std::uint64_t>::max() - d) / 10) return false;
    out = out * 10 + d;
    ++i;
  }
  s.remove_prefix(i);
  return i > 0;
}

struct Unit {
  std::string_view name;
  std::uint64_t factor;
};

// Longest names first so "ms" is not read as "m" followed by "s".
constexpr std::array<Unit, 5> duration_units{
    {{"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}}};

constexpr std::array<Unit, 8> size_units{{{"B", 1},
                                          {"KB", 1000},
                                          {"KiB", 1024},
                                          {"MB", 1000'000},
                                          {"MiB", 1024 * 1024},
                                          {"GB", 1000'000'000},
                                          {"GiB", 1024ULL * 1024 * 1024},
                                          {"", 1}}};

}  // namespace

std::optional<std::chrono::milliseconds> parse_duration(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::uint64_t total = 0;
  while (!s.empty()) {
    std::uint64_t n = 0;
    if (!take_number(s, n)) return std::nullopt;
    const Unit* unit = nullptr;
    for (const auto& u : duration_units)
      if (s.substr(0, u.name.size()) == u.name) {
        unit = &u;
        break;
      }
    if (!unit) return std::nullopt;
    s.remove_prefix(unit->name.size());
    const auto max = static_cast<std::uint64_t>(max_duration.count());
    if (n > max / unit->factor || total + n * unit->factor > max) return std::nullopt;
    total += n * unit->factor;
  }
  return std::chrono::milliseconds(static_cast<std::int64_t>(total));
}

std::optional<std::uint64_t> parse_size(std::string_view s) {
  std::uint64_t n = 0;
  if (!take_number(s, n)) return std::nullopt;
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  for (const auto& u : size_units)
    if (iequals(s, u.name)) {
      if (n > std::numeric_limits<std::uint64_t>::max() / u.factor) return std::nullopt;
      return n * u.factor;
    }
  return std::nullopt;
}

std::optional<Range> parse_range(std::string_view s) {
  Range r;
  if (!take_number(s, r.first) || r.first == 0) return std::nullopt;
  if (s.empty()) {
    r.last = r.first;
    return r;
  }
  if (s.front() != '-') return std::nullopt;
  s.remove_prefix(1);
  if (s.empty()) return r;  // "4-": open-ended
  if (!take_number(s, r.last) || !s.empty() || r.last < r.first) return std::nullopt;
  return r;
}

}  // namespace bounceback::scenario
