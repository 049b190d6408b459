// Options + scenario [server] → smtp::SessionConfig.
#include "app/session_config.hpp"

namespace bounceback::app {

std::shared_ptr<const smtp::SessionConfig> make_session_config(const Options& options,
                                                               const scenario::Scenario* scenario,
                                                               bool tls_available) {
  auto c = std::make_shared<smtp::SessionConfig>();
  c->hostname = options.hostname;
  c->limits = options.limits;
  c->bare_lf = options.bare_lf;
  c->tls_available = tls_available;
  if (scenario) {
    const auto& s = scenario->server;
    if (s.hostname) c->hostname = *s.hostname;
    if (s.banner) c->banner_text = *s.banner;
    if (s.max_size) c->limits.message_size = *s.max_size;
    if (s.max_recipients) c->limits.recipients = static_cast<std::size_t>(*s.max_recipients);
    if (s.tls) c->tls = *s.tls;
    if (s.auth) c->auth = *s.auth;
  }
  c->prepare();
  return c;
}

}  // namespace bounceback::app
