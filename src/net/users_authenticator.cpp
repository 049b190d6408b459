// Credential checks with OpenSSL: constant-time comparisons, HMAC-MD5 for CRAM-MD5.
#include "net/users_authenticator.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdio>

namespace bounceback::net {
namespace {

bool same(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

std::string hmac_md5_hex(std::string_view key, std::string_view text) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (!HMAC(EVP_md5(), key.data(), static_cast<int>(key.size()),
            reinterpret_cast<const unsigned char*>(text.data()), text.size(), md, &n))
    return {};
  std::string hex;
  for (unsigned int i = 0; i < n; ++i) {
    char b[3];
    std::snprintf(b, sizeof b, "%02x", md[i]);
    hex += b;
  }
  return hex;
}

bool UsersAuthenticator::verify(const smtp::auth::Credentials& c) const {
  if (!users_) return true;
  const auto it = users_->find(c.user);
  if (it == users_->end()) return false;
  const std::string& secret = it->second;
  if (c.mechanism == smtp::auth::Mechanism::cram_md5) {
    const auto expected = hmac_md5_hex(secret, c.challenge);
    return !expected.empty() && same(expected, c.secret);
  }
  return same(secret, c.secret);
}

}  // namespace bounceback::net
