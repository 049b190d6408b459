// The names of styles and actions, as scenarios write them.
#include <array>

#include "report/report.hpp"

namespace bounceback::report {

namespace {
constexpr std::array<std::string_view, 3> style_names{"postfix", "gmail", "microsoft"};
constexpr std::array<std::string_view, 4> action_names{"failed", "delayed", "delivered", "relayed"};
}  // namespace

std::optional<Style> parse_style(std::string_view name) {
  for (std::size_t i = 0; i < style_names.size(); ++i)
    if (style_names[i] == name) return static_cast<Style>(i);
  return std::nullopt;
}

std::string_view to_string(Style s) {
  return style_names[static_cast<std::size_t>(s)];
}

std::optional<Action> parse_action(std::string_view name) {
  for (std::size_t i = 0; i < action_names.size(); ++i)
    if (action_names[i] == name) return static_cast<Action>(i);
  return std::nullopt;
}

std::string_view to_string(Action a) {
  return action_names[static_cast<std::size_t>(a)];
}

}  // namespace bounceback::report
