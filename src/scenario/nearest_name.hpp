// "Did you mean …?": the candidate closest to a mistyped name by edit distance, for the
// messages that answer an unknown scenario name.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace bounceback::scenario {

// Edit distance counting insertions, deletions, substitutions and swaps of two adjacent
// letters (optimal string alignment), case-insensitive.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The closest candidate, when it is close enough to be a typo: at most a third of the
// longer name's letters differ (at least 1, at most 3). None otherwise.
std::optional<std::string_view> nearest_name(std::string_view typed,
                                             std::span<const std::string_view> candidates);

}  // namespace bounceback::scenario
