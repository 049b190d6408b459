// The EHLO capability table: keywords, the advertised list in the configured order, and what a
// server without an extension stops doing.
#include "smtp/extensions.hpp"

#include <catch2/catch.hpp>

#include "smtp/session.hpp"

using namespace bounceback::smtp;

TEST_CASE("extension keywords are found whatever their case", "[smtp][extensions]") {
  CHECK(find_extension("CHUNKING") == Extension::chunking);
  CHECK(find_extension("8bitmime") == Extension::eightbitmime);
  CHECK(find_extension("EnhancedStatusCodes") == Extension::enhancedstatuscodes);
  CHECK_FALSE(find_extension("XEXCH50"));
  CHECK_FALSE(find_extension(""));
  for (std::size_t i = 0; i < extension_count; ++i)
    CHECK(find_extension(extension_keywords[i]) == static_cast<Extension>(i));
}

TEST_CASE("the EHLO reply lists the configured extensions in order", "[smtp][extensions]") {
  SessionConfig c;
  c.hostname = "mx.test";
  c.limits.message_size = 157286400;
  c.tls_available = true;
  c.extensions = {Extension::size,       Extension::eightbitmime,
                  Extension::starttls,   Extension::enhancedstatuscodes,
                  Extension::pipelining, Extension::chunking,
                  Extension::smtputf8};
  c.prepare();
  CHECK(c.ehlo_plain ==
        "250-mx.test\r\n250-SIZE 157286400\r\n250-8BITMIME\r\n250-STARTTLS\r\n"
        "250-ENHANCEDSTATUSCODES\r\n250-PIPELINING\r\n250-CHUNKING\r\n250 SMTPUTF8\r\n");
  // STARTTLS is not offered again once TLS is up.
  CHECK(c.ehlo_tls ==
        "250-mx.test\r\n250-SIZE 157286400\r\n250-8BITMIME\r\n"
        "250-ENHANCEDSTATUSCODES\r\n250-PIPELINING\r\n250-CHUNKING\r\n250 SMTPUTF8\r\n");
  CHECK(c.offered ==
        (bit(Extension::size) | bit(Extension::eightbitmime) | bit(Extension::starttls) |
         bit(Extension::enhancedstatuscodes) | bit(Extension::pipelining) |
         bit(Extension::chunking) | bit(Extension::smtputf8)));
}

TEST_CASE("a list without STARTTLS or AUTH makes a server without them", "[smtp][extensions]") {
  SessionConfig c;
  c.hostname = "mx.test";
  c.tls_available = true;
  c.tls = Requirement::required;
  c.auth = Requirement::optional;
  c.auth_plaintext = true;
  c.extensions = {Extension::pipelining};
  c.prepare();
  CHECK_FALSE(c.tls_available);
  CHECK(c.tls == Requirement::off);
  CHECK(c.auth == Requirement::off);
  CHECK(c.ehlo_plain == "250-mx.test\r\n250 PIPELINING\r\n");
  c.extensions.clear();
  c.prepare();
  CHECK(c.ehlo_plain == "250 mx.test\r\n");
}

TEST_CASE("the default list is the server's own, unchanged", "[smtp][extensions]") {
  SessionConfig c;
  c.hostname = "mx.test";
  c.limits.message_size = 100;
  c.prepare();
  CHECK(c.offered == set_of(default_extensions));
  CHECK(c.ehlo_plain ==
        "250-mx.test\r\n250-SIZE 100\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n"
        "250-ENHANCEDSTATUSCODES\r\n250-CHUNKING\r\n250-DSN\r\n250 VRFY\r\n");
}

TEST_CASE("parameters of extensions not offered are not recognized", "[smtp][extensions]") {
  const ExtensionSet no_dsn = every_extension & ~bit(Extension::dsn);
  CHECK(parse_mail("FROM:<a@b.example> RET=HDRS", no_dsn).error == PathError::unknown_parameter);
  CHECK(parse_mail("FROM:<a@b.example> ENVID=x", no_dsn).error == PathError::unknown_parameter);
  CHECK(parse_mail("FROM:<a@b.example> SIZE=10 BODY=8BITMIME", no_dsn).error == PathError::none);
  CHECK(parse_rcpt("TO:<c@d.example> NOTIFY=NEVER", no_dsn).error == PathError::unknown_parameter);
  CHECK(parse_rcpt("TO:<c@d.example> ORCPT=rfc822;c@d.example", no_dsn).error ==
        PathError::unknown_parameter);
  CHECK(parse_rcpt("TO:<c@d.example> NOTIFY=NEVER").error == PathError::none);
  const ExtensionSet none = 0;
  for (const char* p : {"SIZE=1", "BODY=7BIT", "SMTPUTF8", "AUTH=<>"})
    CHECK(parse_mail(std::string("FROM:<a@b.example> ") + p, none).error ==
          PathError::unknown_parameter);
}
