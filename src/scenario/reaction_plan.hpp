// What an accepted message's reactions are: those of the rule that decided its 250, the
// address-encoded ones of its other recipients, and the "delivered" DSNs that NOTIFY=SUCCESS
// asks for; each DSN only where the recipient's NOTIFY allows it (RFC 3461 §4.1), and nothing
// at all for a null reverse path.
#pragma once

#include <chrono>
#include <string_view>

#include "scenario/reaction.hpp"
#include "scenario/scenario.hpp"

namespace bounceback::scenario {

// `rule` is the index of the rule that decided the message (-1 for none), `wire` the reply the
// client got (a 2xx), `now` the scenario clock. No allocation when there is nothing to do.
ReactionPlan plan_reactions(const Scenario& s, int rule, const smtp::Event& message,
                            std::string_view wire, std::chrono::system_clock::time_point now);

}  // namespace bounceback::scenario
