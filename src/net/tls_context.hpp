// The server's TLS context for STARTTLS and SMTPS: a PEM certificate chain and key from files,
// or a self-signed certificate generated at start for the hostname; and the contexts
// presenting scripted certificate faults, generated on demand. OpenSSL stays in the .cpp.
#pragma once

#include <array>
#include <memory>
#include <mutex>
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

// A certificate a scenario makes the server present instead of its own (see TlsContexts).
enum class CertificateFault { none, self_signed, expired, not_yet_valid, wrong_host };

// Owns an ssl::context shared by TLS connections (read-only once built).
class TlsContext {
 public:
  // Throws TlsError with a message naming the file or setting at fault.
  explicit TlsContext(const TlsSettings& settings);
  // The same settings, presenting a certificate generated with `fault` (not `none`).
  // expired, not_yet_valid and wrong_host are issued by `issuer` (which must be able to sign:
  // can_issue()) and sent with it as chain, so a client trusting the issuer meets exactly
  // that fault; self_signed is a new self-signed certificate nobody trusts.
  TlsContext(const TlsSettings& settings, CertificateFault fault, const TlsContext& issuer);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  boost::asio::ssl::context& context();
  bool generated() const;                      // self-signed at start
  const std::string& fingerprint() const;      // SHA-256 of the leaf, "AB:CD:…"
  const std::string& certificate_pem() const;  // the leaf certificate, PEM
  const std::string& subject() const;          // one-line subject of the leaf
  const std::string& not_after() const;        // expiry, as OpenSSL prints it
  bool can_issue() const;                      // a CA certificate whose key is here

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The server's own context plus the fault contexts, each built at first use and then kept,
// so scenario swaps back and forth do not generate again. Thread-safe.
class TlsContexts {
 public:
  explicit TlsContexts(const TlsSettings& settings);  // builds the server's own; throws TlsError
  ~TlsContexts();

  TlsContext& own();
  // The context presenting `fault` (`none`: own()). Throws TlsError.
  std::shared_ptr<TlsContext> get(CertificateFault fault);

 private:
  TlsSettings settings_;
  std::mutex mutex_;
  std::array<std::shared_ptr<TlsContext>, 5> contexts_;  // by CertificateFault
  std::shared_ptr<TlsContext> issuer_;  // signs faults when own() cannot: generated, untrusted
};

}  // namespace bounceback::net
