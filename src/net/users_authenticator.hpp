// Checks SMTP AUTH credentials against a scenario's [server] users table: passwords for
// PLAIN and LOGIN, HMAC-MD5 digests for CRAM-MD5 (RFC 2195), bearer tokens for XOAUTH2 (the
// user's entry is their token). Without a table, any credentials pass.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "smtp/auth.hpp"

namespace bounceback::net {

class UsersAuthenticator final : public smtp::auth::Authenticator {
 public:
  explicit UsersAuthenticator(std::optional<std::map<std::string, std::string>> users)
      : users_(std::move(users)) {}
  bool verify(const smtp::auth::Credentials& credentials) const override;

 private:
  std::optional<std::map<std::string, std::string>> users_;  // immutable once built
};

// HMAC-MD5(key, text) as 32 lowercase hex digits (what a CRAM-MD5 client sends).
std::string hmac_md5_hex(std::string_view key, std::string_view text);

}  // namespace bounceback::net
