// Parsing of the scenario format's small value types: durations ("500ms", "1h30m"),
// sizes ("10KiB", "1MB", "500") and ranges of counts ("2", "1-3", "4-").
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

namespace bounceback::scenario {

// The longest duration anywhere (scenario keys, options, clock advances): 100 years. Time
// points are int64 nanoseconds (about 292 years around 1970), so now (~57 years), the scenario
// clock's offset (at most max_duration) and one more duration still fit, with no overflow.
inline constexpr std::chrono::milliseconds max_duration{std::chrono::hours(24 * 36500)};

// "500ms", "2s", "1m", "4h", "1d", or a sum like "1h30m". Units: ms, s, m, h, d. At most
// max_duration ("36500d").
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

// "500", "500B", "10KB" (1000), "10KiB" (1024), "1MB", "1MiB", "1GB", "1GiB"; case-insensitive.
std::optional<std::uint64_t> parse_size(std::string_view text);

// An inclusive range of 1-based counts; "4-" has no upper bound.
struct Range {
  std::uint64_t first = 1;
  std::uint64_t last = std::numeric_limits<std::uint64_t>::max();
  bool contains(std::uint64_t n) const { return n >= first && n <= last; }
};
std::optional<Range> parse_range(std::string_view text);

}  // namespace bounceback::scenario
