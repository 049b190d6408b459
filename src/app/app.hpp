// Wires the parts together and runs the server until SIGINT/SIGTERM.
#pragma once

#include "app/settings.hpp"

namespace bounceback::app {

// Returns the process exit code: 0 after a clean shutdown, 2 on bad configuration.
int serve(const Settings& settings);

}  // namespace bounceback::app
