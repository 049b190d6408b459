// Builds the ssl::contexts (see tls_context.hpp): loads PEM files, or generates an EC P-256
// key and a self-signed X.509 v3 certificate with the OpenSSL 3 APIs (no shell-out), and
// applies the protocol range and cipher settings; generates the fault certificates likewise.
#include "net/tls_context.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <boost/asio/ssl/context.hpp>
#include <cstdio>
#include <optional>

#include "log/log.hpp"

namespace bounceback::net {
namespace {

template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* p) const {
    Free(p);
  }
};
using Key = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Deleter<X509_free>>;
using Bio = std::unique_ptr<BIO, Deleter<BIO_free>>;
using Ext = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;
using Bignum = std::unique_ptr<BIGNUM, Deleter<BN_free>>;

// The most recent OpenSSL error, for messages.
std::string openssl_error() {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

[[noreturn]] void fail(const std::string& what) {
  throw TlsError(what + ": " + openssl_error());
}

std::optional<int> tls_version(std::string_view v) {
  if (v == "1.0" || v == "TLSv1" || v == "TLSv1.0") return TLS1_VERSION;
  if (v == "1.1" || v == "TLSv1.1") return TLS1_1_VERSION;
  if (v == "1.2" || v == "TLSv1.2") return TLS1_2_VERSION;
  if (v == "1.3" || v == "TLSv1.3") return TLS1_3_VERSION;
  return std::nullopt;
}

void add_extension(X509* cert, X509V3_CTX& ctx, int nid, const std::string& value) {
  Ext ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  if (!ext || !X509_add_ext(cert, ext.get(), -1))
    fail("self-signed certificate: extension " + std::string(OBJ_nid2sn(nid)) + "=" + value);
}

bool is_ip_literal(const std::string& host) {
  return host.find_first_not_of("0123456789.") == std::string::npos ||
         host.find(':') != std::string::npos;
}

// What a generated certificate says. Defaults: the server's own, self-signed.
struct CertificateSpec {
  std::string organization = "Bounceback test double";
  std::string common_name;
  std::string subject_alt_names;
  long not_before = -3600;            // seconds from now
  long not_after = 365L * 24 * 3600;  // seconds from now
  X509* issuer = nullptr;             // null: self-signed (a trust anchor)
  EVP_PKEY* issuer_key = nullptr;
};

// subjectAltName for `hostname`, localhost, 127.0.0.1 and ::1 (RFC 6125: names in the SAN).
std::string server_names(const std::string& hostname) {
  std::string san;
  if (hostname != "localhost" && !hostname.empty() && hostname.find(',') == std::string::npos)
    san = (is_ip_literal(hostname) ? "IP:" : "DNS:") + hostname + ",";
  return san + "DNS:localhost,IP:127.0.0.1,IP:::1";
}

// An EC P-256 key and an X.509 v3 certificate as `spec` says.
std::pair<Key, Cert> make_certificate(const CertificateSpec& spec) {
  Key key(EVP_EC_gen("P-256"));
  if (!key) fail("generated certificate: EC P-256 key generation");
  Cert cert(X509_new());
  if (!cert || !X509_set_version(cert.get(), X509_VERSION_3))
    fail("generated certificate: X509_new");

  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) fail("generated certificate: RAND_bytes");
  serial[0] &= 0x7f;  // a positive serial number (RFC 5280 §4.1.2.2)
  Bignum bn(BN_bin2bn(serial, sizeof serial, nullptr));
  if (!bn || !BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get())))
    fail("generated certificate: serial number");

  X509_gmtime_adj(X509_getm_notBefore(cert.get()), spec.not_before);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), spec.not_after);
  if (!X509_set_pubkey(cert.get(), key.get())) fail("generated certificate: public key");

  X509_NAME* name = X509_get_subject_name(cert.get());
  const auto cn = spec.common_name.substr(0, 64);  // ub-common-name
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(spec.organization.c_str()), -1,
                             -1, 0);
  if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                  reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0))
    fail("generated certificate: subject CN=" + cn);
  X509* issuer = spec.issuer ? spec.issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer));

  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert.get(), nullptr, nullptr, 0);
  if (!spec.issuer) {
    // Shaped like `openssl req -x509` output, which clients accept as a trust anchor.
    add_extension(cert.get(), ctx, NID_basic_constraints, "critical,CA:TRUE");
    add_extension(cert.get(), ctx, NID_key_usage, "critical,digitalSignature,keyCertSign");
  } else {
    add_extension(cert.get(), ctx, NID_basic_constraints, "critical,CA:FALSE");
    add_extension(cert.get(), ctx, NID_key_usage, "critical,digitalSignature");
  }
  add_extension(cert.get(), ctx, NID_ext_key_usage, "serverAuth");
  add_extension(cert.get(), ctx, NID_subject_key_identifier, "hash");
  add_extension(cert.get(), ctx, NID_authority_key_identifier,
                spec.issuer ? "keyid,issuer" : "keyid:always");
  add_extension(cert.get(), ctx, NID_subject_alt_name, spec.subject_alt_names);

  EVP_PKEY* signer = spec.issuer ? spec.issuer_key : key.get();
  if (X509_sign(cert.get(), signer, EVP_sha256()) <= 0) fail("generated certificate: sign");
  return {std::move(key), std::move(cert)};
}

// The server's own: self-signed, valid from an hour ago for a year, for `hostname`.
std::pair<Key, Cert> self_signed(const std::string& hostname) {
  CertificateSpec spec;
  spec.common_name = hostname;
  spec.subject_alt_names = server_names(hostname);
  return make_certificate(spec);
}

const char* fault_name(CertificateFault fault) {
  switch (fault) {
    case CertificateFault::none:
      return "valid";
    case CertificateFault::self_signed:
      return "self-signed";
    case CertificateFault::expired:
      return "expired";
    case CertificateFault::not_yet_valid:
      return "not-yet-valid";
    case CertificateFault::wrong_host:
      return "wrong-host";
  }
  return "?";
}

// Protocol range, ciphers and options, the same for every context.
void apply_settings(SSL_CTX* ctx, const TlsSettings& s) {
  SSL_CTX_set_options(
      ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);

  const auto min = tls_version(s.min_version);
  if (!min)
    throw TlsError("--tls-min-version: expected 1.0, 1.1, 1.2 or 1.3, got '" + s.min_version + "'");
  std::optional<int> max;
  if (!s.max_version.empty()) {
    max = tls_version(s.max_version);
    if (!max)
      throw TlsError("--tls-max-version: expected 1.0, 1.1, 1.2 or 1.3, got '" + s.max_version +
                     "'");
    if (*max < *min) throw TlsError("--tls-max-version is below --tls-min-version");
  }
  // OpenSSL 3 refuses TLS < 1.2 above security level 0; a test double must be able to speak
  // what old mailers speak when asked to.
  if (*min < TLS1_2_VERSION) SSL_CTX_set_security_level(ctx, 0);
  if (!SSL_CTX_set_min_proto_version(ctx, *min)) fail("--tls-min-version");
  if (max && !SSL_CTX_set_max_proto_version(ctx, *max)) fail("--tls-max-version");
  if (!s.ciphers.empty() && !SSL_CTX_set_cipher_list(ctx, s.ciphers.c_str()))
    fail("--tls-ciphers '" + s.ciphers + "'");
  if (!s.ciphersuites.empty() && !SSL_CTX_set_ciphersuites(ctx, s.ciphersuites.c_str()))
    fail("--tls-ciphersuites '" + s.ciphersuites + "'");
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

}  // namespace

struct TlsContext::Impl {
  boost::asio::ssl::context context{boost::asio::ssl::context::tls_server};
  bool generated = false, can_issue = false;
  std::string fingerprint, pem, subject, not_after;

  // Fills the description from the installed leaf certificate.
  void describe();
};

TlsContext::TlsContext(const TlsSettings& s) : impl_(std::make_unique<Impl>()) {
  SSL_CTX* ctx = impl_->context.native_handle();
  apply_settings(ctx, s);
  if (s.cert_file.empty() != s.key_file.empty())
    throw TlsError("--tls-cert and --tls-key go together");
  if (!s.cert_file.empty()) {
    if (SSL_CTX_use_certificate_chain_file(ctx, s.cert_file.c_str()) != 1)
      fail("--tls-cert " + s.cert_file);
    if (SSL_CTX_use_PrivateKey_file(ctx, s.key_file.c_str(), SSL_FILETYPE_PEM) != 1)
      fail("--tls-key " + s.key_file);
    if (SSL_CTX_check_private_key(ctx) != 1)
      fail("--tls-key " + s.key_file + " does not match --tls-cert " + s.cert_file);
  } else {
    auto [key, cert] = self_signed(s.hostname);
    if (SSL_CTX_use_certificate(ctx, cert.get()) != 1 ||
        SSL_CTX_use_PrivateKey(ctx, key.get()) != 1)
      fail("self-signed certificate: install");
    impl_->generated = true;
  }
  impl_->describe();
  // A given certificate can sign the fault certificates only when it is a CA (CA:TRUE and,
  // if key usage is given, keyCertSign).
  X509* leaf = SSL_CTX_get0_certificate(ctx);
  impl_->can_issue = impl_->generated || X509_check_ca(leaf) == 1;
}

TlsContext::TlsContext(const TlsSettings& s, CertificateFault fault, const TlsContext& issuer)
    : impl_(std::make_unique<Impl>()) {
  SSL_CTX* ctx = impl_->context.native_handle();
  apply_settings(ctx, s);
  SSL_CTX* issuer_ctx = issuer.impl_->context.native_handle();
  CertificateSpec spec;
  spec.common_name = s.hostname;
  spec.subject_alt_names = server_names(s.hostname);
  spec.issuer = SSL_CTX_get0_certificate(issuer_ctx);
  spec.issuer_key = SSL_CTX_get0_privatekey(issuer_ctx);
  constexpr long day = 24 * 3600;
  switch (fault) {
    case CertificateFault::none:
      throw TlsError("a fault certificate needs a fault");
    case CertificateFault::self_signed:
      spec.organization = "Bounceback test double (untrusted)";
      spec.issuer = nullptr;
      spec.issuer_key = nullptr;
      break;
    case CertificateFault::expired:  // expired yesterday
      spec.not_before = -30 * day;
      spec.not_after = -day;
      break;
    case CertificateFault::not_yet_valid:  // valid from tomorrow
      spec.not_before = day;
      spec.not_after = 365 * day;
      break;
    case CertificateFault::wrong_host:
      spec.common_name = "wrong-host.invalid";
      spec.subject_alt_names = "DNS:wrong-host.invalid";
      break;
  }
  if (spec.issuer && (!spec.issuer_key || !issuer.can_issue()))
    throw TlsError(std::string(fault_name(fault)) + " certificate: the issuer cannot sign");
  auto [key, cert] = make_certificate(spec);
  if (SSL_CTX_use_certificate(ctx, cert.get()) != 1 || SSL_CTX_use_PrivateKey(ctx, key.get()) != 1)
    fail(std::string(fault_name(fault)) + " certificate: install");
  // The issuer goes with it, so the client can build the chain to the certificate it trusts.
  if (spec.issuer && SSL_CTX_add1_chain_cert(ctx, spec.issuer) != 1)
    fail(std::string(fault_name(fault)) + " certificate: chain");
  impl_->generated = true;
  impl_->describe();
}

void TlsContext::Impl::describe() {
  X509* leaf = SSL_CTX_get0_certificate(context.native_handle());
  if (!leaf) throw TlsError("no certificate installed");
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (!X509_digest(leaf, EVP_sha256(), md, &n)) fail("certificate fingerprint");
  for (unsigned int i = 0; i < n; ++i) {
    char hex[4];
    std::snprintf(hex, sizeof hex, i + 1 < n ? "%02X:" : "%02X", md[i]);
    fingerprint += hex;
  }
  Bio out(BIO_new(BIO_s_mem()));
  if (!out || !PEM_write_bio_X509(out.get(), leaf)) fail("certificate PEM");
  pem = bio_text(out.get());
  Bio when(BIO_new(BIO_s_mem()));
  if (when && ASN1_TIME_print(when.get(), X509_get0_notAfter(leaf)))
    not_after = bio_text(when.get());
  char name[512];
  X509_NAME_oneline(X509_get_subject_name(leaf), name, sizeof name);
  subject = name;
}

TlsContext::~TlsContext() = default;

boost::asio::ssl::context& TlsContext::context() {
  return impl_->context;
}
bool TlsContext::generated() const {
  return impl_->generated;
}
const std::string& TlsContext::fingerprint() const {
  return impl_->fingerprint;
}
const std::string& TlsContext::certificate_pem() const {
  return impl_->pem;
}
const std::string& TlsContext::subject() const {
  return impl_->subject;
}
const std::string& TlsContext::not_after() const {
  return impl_->not_after;
}
bool TlsContext::can_issue() const {
  return impl_->can_issue;
}

TlsContexts::TlsContexts(const TlsSettings& settings) : settings_(settings) {
  contexts_[0] = std::make_shared<TlsContext>(settings_);
}

TlsContexts::~TlsContexts() = default;

TlsContext& TlsContexts::own() {
  return *contexts_[0];  // set once in the constructor: no lock
}

std::shared_ptr<TlsContext> TlsContexts::get(CertificateFault fault) {
  const auto i = static_cast<std::size_t>(fault);
  if (i == 0) return contexts_[0];
  std::lock_guard lock(mutex_);
  if (!contexts_[i]) {
    const TlsContext* issuer = contexts_[0].get();
    if (fault != CertificateFault::self_signed && !issuer->can_issue()) {
      // A given certificate that is no CA: a generated one signs instead (clients do not
      // trust it, so these faults then also fail as untrusted).
      if (!issuer_) {
        auto s = settings_;
        s.cert_file.clear();
        s.key_file.clear();
        issuer_ = std::make_shared<TlsContext>(s);
      }
      issuer = issuer_.get();
    }
    auto made = std::make_shared<TlsContext>(settings_, fault, *issuer);
    log::info("tls fault certificate generated", {{"certificate", fault_name(fault)},
                                                  {"subject", made->subject()},
                                                  {"sha256", made->fingerprint()},
                                                  {"not_after", made->not_after()}});
    contexts_[i] = std::move(made);
  }
  return contexts_[i];
}

}  // namespace bounceback::net
