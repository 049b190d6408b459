// Bounds on how deeply a TOML text nests, checked before toml++ sees the text. toml++ 3.3
// parses iteratively but walks (update_region_ends) and destroys its tree recursively, and
// recurses once per nested array or inline table: one key of 40,000 dotted parts overflowed
// the stack and killed the server. This scan is linear, never recursive, and knows strings,
// comments, table headers, arrays and inline tables.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bounceback::scenario {

struct NestingLimits {
  std::size_t key_parts = 32;    // parts of one key: `a.b.c = 1` has 3, `[a.b]` has 2
  std::size_t value_depth = 32;  // arrays and inline tables open at once: `[[1]]` is 2
  std::size_t total_depth = 64;  // levels of the tree toml++ would build (headers + keys + values)
};

struct NestingError {
  std::uint32_t line = 0, column = 0;  // 1-based, columns in code points (as toml++ counts)
  std::string message;
};

// The first place where `text` exceeds `limits`, or nothing. Text that is not valid TOML is
// left for toml++ to report: the scan only over-counts, never skips what toml++ would build.
std::optional<NestingError> find_excess_nesting(std::string_view text,
                                                const NestingLimits& limits = {});

}  // namespace bounceback::scenario
