// What the HTTP API reads and acts on, handed over by the wiring (app/app.cpp). The API does
// not own any of it; everything outlives the HTTP server.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "api/address_search.hpp"
#include "api/adjustable_clock.hpp"
#include "api/html_capabilities.hpp"
#include "api/reply_monitor.hpp"
#include "api/settings.hpp"
#include "net/relay_counters.hpp"
#include "net/server_counters.hpp"
#include "scenario/engine.hpp"
#include "store/event_feed.hpp"
#include "store/message_store.hpp"
#include "store/replication.hpp"
#include "store/session_log.hpp"

namespace bounceback::api {

struct ApiContext {
  store::MessageStore& messages;
  store::SessionLog& sessions;
  scenario::Engine& engine;
  AdjustableClock& clock;
  const net::ServerCounters& counters;
  const ReplyMonitor* replies = nullptr;  // null: no replies-by-code metric
  // Puts a validated scenario in force: the engine's rules and the session settings of its
  // [server] table (the wiring rebuilds the SessionConfig). Called from an API thread.
  std::function<void(std::shared_ptr<const scenario::Scenario>)> apply_scenario;
  std::string api_token;  // non-empty: /api/* and /metrics need "Authorization: Bearer TOKEN"
  store::EventFeed* events = nullptr;  // session_opened/closed, message_rejected for SSE
  RouteLimits routes = {};             // long-poll waits, page sizes
  // Reactions to accepted messages (DSNs, auto-replies, complaints): their counters for
  // /metrics, what to do once the clock moved (fire what is due) and on scenario/reset.
  const scenario::ReactionCounters* reactions = nullptr;
  std::function<void()> clock_moved = {};
  std::function<void()> reset_reactions = {};
  const net::RelayCounters* relay = nullptr;  // with --return-relay
  store::RefusalLog* refusals = nullptr;      // GET /api/v1/refusals (the page's timeline)
  const store::ReplicationCounters* capture = nullptr;  // --state: the shared capture
  // The capabilities of GET /api/v1/messages/{id}/html, shared by every listener.
  std::shared_ptr<HtmlCapabilities> html_views = std::make_shared<HtmlCapabilities>();
  // The whole-address search terms' index of `messages`, filled lazily by the API's reads.
  std::shared_ptr<AddressSearch> address_search = std::make_shared<AddressSearch>();
};

}  // namespace bounceback::api
