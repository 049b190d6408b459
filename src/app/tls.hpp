// The TLS contexts the server uses: its own from --tls-cert/--tls-key, or generated for the
// hostname (logs its fingerprint and writes it to --tls-export-cert); and, per scenario, the
// certificate presented and any handshake fault.
#pragma once

#include <memory>
#include <string>

#include "app/settings.hpp"
#include "net/smtp_server.hpp"
#include "net/tls_context.hpp"
#include "scenario/scenario.hpp"

namespace bounceback::app {

// Throws std::runtime_error (net::TlsError) with a message naming the option at fault.
std::unique_ptr<net::TlsContexts> make_tls_contexts(const Settings& settings,
                                                    const std::string& hostname);

// What sessions started under `scenario` (null: none) get: [server] certificate and
// tls_handshake. A fault certificate that cannot be made is logged; the server's own is used.
std::shared_ptr<const net::TlsChoice> tls_choice(net::TlsContexts& contexts,
                                                 const scenario::Scenario* scenario);

}  // namespace bounceback::app
