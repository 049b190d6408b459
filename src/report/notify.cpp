// RFC 3461 §4.1: which DSNs a recipient's NOTIFY asks for.
#include "report/report.hpp"
#include "smtp/command.hpp"

namespace bounceback::report {

bool notify_allows(std::string_view notify, Action action) {
  if (notify.empty()) return action == Action::failed || action == Action::delayed;
  const std::string_view wanted = action == Action::failed    ? "FAILURE"
                                  : action == Action::delayed ? "DELAY"
                                                              : "SUCCESS";
  while (!notify.empty()) {
    const auto comma = notify.find(',');
    if (smtp::iequals(notify.substr(0, comma), wanted)) return true;
    if (comma == std::string_view::npos) break;
    notify.remove_prefix(comma + 1);
  }
  return false;  // NEVER, or not listed
}

}  // namespace bounceback::report
