// The session configuration in force: the serve options, overridden by the scenario's
// [server] table. Rebuilt whenever the scenario changes.
#pragma once

#include <memory>

#include "app/options.hpp"
#include "scenario/scenario.hpp"
#include "smtp/session.hpp"

namespace bounceback::app {

std::shared_ptr<const smtp::SessionConfig> make_session_config(const Options& options,
                                                               const scenario::Scenario* scenario,
                                                               bool tls_available);

}  // namespace bounceback::app
