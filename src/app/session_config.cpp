// smtp::Settings + scenario [server] → smtp::SessionConfig.
#include "app/session_config.hpp"

#include "net/users_authenticator.hpp"

namespace bounceback::app {
namespace {

// STARTTLS is opt-in, as in Mailpit, MailHog and smtp4dev: offered by default with a
// self-signed certificate, it made default clients (nodemailer, Rails, PHPMailer) fail to
// verify it on their first message. The scenario's [server] tls decides first (like its other
// [server] keys), then --starttls; a certificate of the user's own (--tls-cert) turns it on.
smtp::Requirement starttls(const smtp::Settings& settings, bool own_certificate,
                           const scenario::Scenario* scenario) {
  if (scenario && scenario->server.tls) return *scenario->server.tls;
  if (settings.starttls) return *settings.starttls;
  return own_certificate ? smtp::Requirement::optional : smtp::Requirement::off;
}

}  // namespace

std::shared_ptr<const smtp::SessionConfig> make_session_config(const smtp::Settings& settings,
                                                               bool own_certificate,
                                                               const scenario::Scenario* scenario,
                                                               bool tls_available) {
  auto c = std::make_shared<smtp::SessionConfig>();
  static_cast<smtp::Settings&>(*c) = settings;
  c->tls = starttls(settings, own_certificate, scenario);
  if (scenario) {
    const auto& s = scenario->server;
    if (s.hostname) c->hostname = *s.hostname;
    if (s.banner) c->banner_text = *s.banner;
    if (s.max_size) c->limits.message_size = *s.max_size;
    if (s.max_recipients) c->limits.recipients = static_cast<std::size_t>(*s.max_recipients);
    if (s.auth) c->auth = *s.auth;
    if (s.extensions) c->extensions = *s.extensions;  // prepare() turns off what it leaves out
  }
  // off, or a capability list without STARTTLS, makes the server one without STARTTLS (SMTPS
  // listeners still handshake).
  c->tls_available =
      tls_available && c->tls != smtp::Requirement::off && c->lists(smtp::Extension::starttls);
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
