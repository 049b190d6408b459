// Names of protocol events, as scenario files spell them.
#include "smtp/event.hpp"

namespace bounceback::smtp {

std::optional<EventKind> parse_event_kind(std::string_view name) {
  for (std::size_t i = 0; i < event_kind_names.size(); ++i)
    if (event_kind_names[i] == name) return static_cast<EventKind>(i);
  return std::nullopt;
}

}  // namespace bounceback::smtp
