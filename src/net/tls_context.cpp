// Builds the ssl::context (see tls_context.hpp): loads PEM files, or generates an EC P-256
// key and a self-signed X.509 v3 certificate with the OpenSSL 3 APIs (no shell-out), and
// applies the protocol range and cipher settings.
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

// An EC P-256 key and a self-signed certificate valid from an hour ago for a year, for
// `hostname`, localhost, 127.0.0.1 and ::1 (RFC 6125: names in subjectAltName).
std::pair<Key, Cert> self_signed(const std::string& hostname) {
  Key key(EVP_EC_gen("P-256"));
  if (!key) fail("self-signed certificate: EC P-256 key generation");
  Cert cert(X509_new());
  if (!cert || !X509_set_version(cert.get(), X509_VERSION_3))
    fail("self-signed certificate: X509_new");

  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) fail("self-signed certificate: RAND_bytes");
  serial[0] &= 0x7f;  // a positive serial number (RFC 5280 §4.1.2.2)
  Bignum bn(BN_bin2bn(serial, sizeof serial, nullptr));
  if (!bn || !BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get())))
    fail("self-signed certificate: serial number");

  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 365L * 24 * 3600);
  if (!X509_set_pubkey(cert.get(), key.get())) fail("self-signed certificate: public key");

  X509_NAME* name = X509_get_subject_name(cert.get());
  const auto cn = hostname.substr(0, 64);  // ub-common-name
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("Bounceback test double"), -1,
                             -1, 0);
  if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                  reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0))
    fail("self-signed certificate: subject CN=" + cn);
  X509_set_issuer_name(cert.get(), name);

  std::string san;
  if (hostname != "localhost" && !hostname.empty() && hostname.find(',') == std::string::npos)
    san = (is_ip_literal(hostname) ? "IP:" : "DNS:") + hostname + ",";
  san += "DNS:localhost,IP:127.0.0.1,IP:::1";
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  // Shaped like `openssl req -x509` output, which clients accept as a trust anchor.
  add_extension(cert.get(), ctx, NID_basic_constraints, "critical,CA:TRUE");
  add_extension(cert.get(), ctx, NID_key_usage, "critical,digitalSignature,keyCertSign");
  add_extension(cert.get(), ctx, NID_ext_key_usage, "serverAuth");
  add_extension(cert.get(), ctx, NID_subject_key_identifier, "hash");
  add_extension(cert.get(), ctx, NID_authority_key_identifier, "keyid:always");
  add_extension(cert.get(), ctx, NID_subject_alt_name, san);

  if (X509_sign(cert.get(), key.get(), EVP_sha256()) <= 0) fail("self-signed certificate: sign");
  return {std::move(key), std::move(cert)};
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

}  // namespace

struct TlsContext::Impl {
  boost::asio::ssl::context context{boost::asio::ssl::context::tls_server};
  bool generated = false;
  std::string fingerprint, pem, subject, not_after;
};

TlsContext::TlsContext(const TlsSettings& s) : impl_(std::make_unique<Impl>()) {
  SSL_CTX* ctx = impl_->context.native_handle();
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

  X509* leaf = SSL_CTX_get0_certificate(ctx);
  if (!leaf) throw TlsError("no certificate installed");
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (!X509_digest(leaf, EVP_sha256(), md, &n)) fail("certificate fingerprint");
  for (unsigned int i = 0; i < n; ++i) {
    char hex[4];
    std::snprintf(hex, sizeof hex, i + 1 < n ? "%02X:" : "%02X", md[i]);
    impl_->fingerprint += hex;
  }
  Bio pem(BIO_new(BIO_s_mem()));
  if (!pem || !PEM_write_bio_X509(pem.get(), leaf)) fail("certificate PEM");
  impl_->pem = bio_text(pem.get());
  Bio when(BIO_new(BIO_s_mem()));
  if (when && ASN1_TIME_print(when.get(), X509_get0_notAfter(leaf)))
    impl_->not_after = bio_text(when.get());
  char subject[512];
  X509_NAME_oneline(X509_get_subject_name(leaf), subject, sizeof subject);
  impl_->subject = subject;
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

}  // namespace bounceback::net
