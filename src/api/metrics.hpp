// GET /metrics: the Prometheus text exposition format (version 0.0.4) of the server's
// counters, the store, the scenario's rule hits and replies by code.
#pragma once

#include <string>

#include "api/api_context.hpp"

namespace bounceback::api {

std::string render_metrics(const ApiContext& ctx);

}  // namespace bounceback::api
