// Settings::tls → net::TlsContexts, plus the certificate's log line and export;
// scenario [server] certificate / tls_handshake → net::TlsChoice.
#include "app/tls.hpp"

#include <boost/asio/ssl/context.hpp>
#include <fstream>

#include "log/log.hpp"

namespace bounceback::app {

std::unique_ptr<net::TlsContexts> make_tls_contexts(const Settings& settings,
                                                    const std::string& hostname) {
  net::TlsSettings s = settings.tls;
  s.hostname = hostname;
  auto contexts = std::make_unique<net::TlsContexts>(s);
  const auto& tls = contexts->own();
  log::info(
      tls.generated() ? "tls certificate generated" : "tls certificate loaded",
      {{"subject", tls.subject()}, {"sha256", tls.fingerprint()}, {"not_after", tls.not_after()}});
  if (!settings.tls_export_cert.empty()) {
    std::ofstream out(settings.tls_export_cert, std::ios::binary | std::ios::trunc);
    out << tls.certificate_pem();
    out.close();
    if (!out)
      throw net::TlsError("--tls-export-cert " + settings.tls_export_cert + ": cannot write");
  }
  return contexts;
}

std::shared_ptr<const net::TlsChoice> tls_choice(net::TlsContexts& contexts,
                                                 const scenario::Scenario* scenario) {
  using scenario::Certificate;
  auto fault = net::CertificateFault::none;
  auto handshake = net::HandshakeFault::none;
  if (scenario) {
    switch (scenario->server.certificate.value_or(Certificate::valid)) {
      case Certificate::valid:
        break;
      case Certificate::self_signed:
        fault = net::CertificateFault::self_signed;
        break;
      case Certificate::expired:
        fault = net::CertificateFault::expired;
        break;
      case Certificate::not_yet_valid:
        fault = net::CertificateFault::not_yet_valid;
        break;
      case Certificate::wrong_host:
        fault = net::CertificateFault::wrong_host;
        break;
    }
    switch (scenario->server.tls_handshake.value_or(scenario::TlsHandshake::normal)) {
      case scenario::TlsHandshake::normal:
        break;
      case scenario::TlsHandshake::abort:
        handshake = net::HandshakeFault::abort;
        break;
      case scenario::TlsHandshake::close:
        handshake = net::HandshakeFault::close;
        break;
    }
  }
  std::shared_ptr<net::TlsContext> context;
  try {
    context = contexts.get(fault);
  } catch (const std::exception& e) {
    log::error("tls fault certificate not made; the server's own is presented",
               {{"error", e.what()}});
    context = contexts.get(net::CertificateFault::none);
  }
  auto choice = std::make_shared<net::TlsChoice>();
  // The ssl::context, kept alive by its TlsContext.
  choice->context = std::shared_ptr<boost::asio::ssl::context>(context, &context->context());
  choice->fault = handshake;
  return choice;
}

}  // namespace bounceback::app
