// Options → net::TlsSettings → net::TlsContext, plus the certificate's log line and export.
#include "app/tls.hpp"

#include <fstream>

#include "log/log.hpp"

namespace bounceback::app {

std::unique_ptr<net::TlsContext> make_tls_context(const Options& options,
                                                  const std::string& hostname) {
  net::TlsSettings s;
  s.cert_file = options.tls_cert;
  s.key_file = options.tls_key;
  s.hostname = hostname;
  s.min_version = options.tls_min_version;
  s.max_version = options.tls_max_version;
  s.ciphers = options.tls_ciphers;
  s.ciphersuites = options.tls_ciphersuites;
  auto tls = std::make_unique<net::TlsContext>(s);
  log::info(tls->generated() ? "tls certificate generated" : "tls certificate loaded",
            {{"subject", tls->subject()},
             {"sha256", tls->fingerprint()},
             {"not_after", tls->not_after()}});
  if (!options.tls_export_cert.empty()) {
    std::ofstream out(options.tls_export_cert, std::ios::binary | std::ios::trunc);
    out << tls->certificate_pem();
    out.close();
    if (!out)
      throw net::TlsError("--tls-export-cert " + options.tls_export_cert + ": cannot write");
  }
  return tls;
}

}  // namespace bounceback::app
