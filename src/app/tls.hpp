// The TLS context the server uses: from --tls-cert/--tls-key, or generated for the hostname;
// logs its fingerprint and writes it to --tls-export-cert.
#pragma once

#include <memory>
#include <string>

#include "app/options.hpp"
#include "net/tls_context.hpp"

namespace bounceback::app {

// Throws std::runtime_error (net::TlsError) with a message naming the option at fault.
std::unique_ptr<net::TlsContext> make_tls_context(const Options& options,
                                                  const std::string& hostname);

}  // namespace bounceback::app
