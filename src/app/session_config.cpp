// Options + scenario [server] → smtp::SessionConfig.
#include "app/session_config.hpp"

#include "net/users_authenticator.hpp"

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
  // tls = "off" makes the server one without STARTTLS.
  c->tls_available = tls_available && c->tls != smtp::Requirement::off;
  // AUTH: without a scenario `auth` key it is offered once TLS is up (538 5.7.11 before, like
  // a submission server); a scenario setting auth = "optional"/"required", or a server without
  // TLS, offers it in plain text too, unless TLS is required.
  const bool auth_set = scenario && scenario->server.auth;
  if (!auth_set) c->auth = smtp::Requirement::optional;
  c->auth_plaintext = c->auth != smtp::Requirement::off && c->tls != smtp::Requirement::required &&
                      (auth_set || !c->tls_available);
  c->authenticator =
      std::make_shared<net::UsersAuthenticator>(scenario ? scenario->server.users : std::nullopt);
  c->prepare();
  return c;
}

}  // namespace bounceback::app
