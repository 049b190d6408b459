// The server's TLS context for STARTTLS and SMTPS: a PEM certificate chain and key from files,
// or a self-signed certificate generated at start for the hostname. OpenSSL stays in the .cpp.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

namespace boost::asio::ssl {
class context;
}  // namespace boost::asio::ssl

namespace bounceback::net {

struct TlsError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct TlsSettings {
  std::string cert_file, key_file;  // both or neither; neither: generate a self-signed one
  std::string hostname = "localhost";
  std::string min_version = "1.2";  // "1.0", "1.1", "1.2", "1.3"
  std::string max_version;          // empty: the highest OpenSSL supports
  std::string ciphers;              // OpenSSL cipher list for TLS <= 1.2; empty: OpenSSL's
  std::string ciphersuites;         // TLS 1.3 suites; empty: OpenSSL's
};

// Owns the ssl::context shared by every TLS connection (read-only once built).
class TlsContext {
 public:
  // Throws TlsError with a message naming the file or setting at fault.
  explicit TlsContext(const TlsSettings& settings);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  boost::asio::ssl::context& context();
  bool generated() const;                      // self-signed at start
  const std::string& fingerprint() const;      // SHA-256 of the leaf, "AB:CD:…"
  const std::string& certificate_pem() const;  // the leaf certificate, PEM
  const std::string& subject() const;          // one-line subject of the leaf
  const std::string& not_after() const;        // expiry, as OpenSSL prints it

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bounceback::net
