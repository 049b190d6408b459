// The session configuration in force: the SMTP settings, overridden by the scenario's
// [server] table. Rebuilt whenever the scenario changes.
#pragma once

#include <memory>

#include "scenario/scenario.hpp"
#include "smtp/session.hpp"
#include "smtp/settings.hpp"

namespace bounceback::app {

// `own_certificate`: the user gave one (--tls-cert), which turns STARTTLS on by default.
std::shared_ptr<const smtp::SessionConfig> make_session_config(const smtp::Settings& settings,
                                                               bool own_certificate,
                                                               const scenario::Scenario* scenario,
                                                               bool tls_available);

}  // namespace bounceback::app
