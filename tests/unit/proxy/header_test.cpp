// The PROXY header parser (src/proxy/header.hpp): v1 and v2 as HAProxy sends them, every
// truncation (incomplete until the last byte), and what is refused: malformed, oversized,
// and bytes that are not a header at all.
#include "proxy/header.hpp"

#include <catch2/catch.hpp>
#include <string>

using namespace bounceback::proxy;

namespace {

const std::string sig{"\r\n\r\n\0\r\nQUIT\n", 12};

// A v2 header: version/command byte, family byte, then `payload` (its length filled in).
std::string v2(unsigned char ver_cmd, unsigned char family, const std::string& payload) {
  std::string h = sig;
  h += static_cast<char>(ver_cmd);
  h += static_cast<char>(family);
  h += static_cast<char>(payload.size() >> 8);
  h += static_cast<char>(payload.size() & 0xff);
  return h + payload;
}

std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out += static_cast<char>(v);
  return out;
}

// 192.0.2.7:56324 -> 198.51.100.1:25
const std::string tcp4 = bytes({192, 0, 2, 7, 198, 51, 100, 1, 0xdc, 0x04, 0, 25});
// 2001:db8::7:443 -> ::1:25
const std::string tcp6 =
    bytes({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,    7,    0, 0,
           0,    0,    0,    0,    0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x01, 0xbb, 0, 25});

// Every proper prefix of a valid header is incomplete, never invalid nor complete.
void every_prefix_incomplete(const std::string& header) {
  for (std::size_t n = 0; n < header.size(); ++n) {
    INFO("prefix of " << n << " bytes");
    CHECK(parse(header.substr(0, n)).status == Status::incomplete);
  }
}

}  // namespace

TEST_CASE("v1 TCP4: the client's address and port, the length of the line") {
  const std::string h = "PROXY TCP4 192.0.2.7 198.51.100.1 56324 25\r\n";
  const auto r = parse(h + "EHLO x\r\n");
  REQUIRE(r.status == Status::complete);
  CHECK(r.header.version == 1);
  CHECK(r.header.length == h.size());
  CHECK_FALSE(r.header.local);
  CHECK(r.header.client_ip == "192.0.2.7");
  CHECK(r.header.client_port == 56324);
  every_prefix_incomplete(h);
}

TEST_CASE("v1 TCP6: the address printed as the server prints addresses") {
  const auto r = parse("PROXY TCP6 2001:DB8:0:0:0:0:0:7 ::1 443 25\r\n");
  REQUIRE(r.status == Status::complete);
  CHECK(r.header.client_ip == "2001:db8::7");
  CHECK(r.header.client_port == 443);
  CHECK(parse("PROXY TCP6 ::ffff:192.0.2.7 ::1 1 25\r\n").header.client_ip == "::ffff:192.0.2.7");
  CHECK(parse("PROXY TCP6 1:0:0:2:0:0:0:3 ::1 1 25\r\n").header.client_ip == "1:0:0:2::3");
  CHECK(parse("PROXY TCP6 1:0:2:3:4:5:6:7 ::1 1 25\r\n").header.client_ip == "1:0:2:3:4:5:6:7");
}

TEST_CASE("v1 UNKNOWN: the connection's own addresses stand, whatever follows") {
  for (const std::string h : {"PROXY UNKNOWN\r\n", "PROXY UNKNOWN a b c d e f g\r\n"}) {
    const auto r = parse(h);
    REQUIRE(r.status == Status::complete);
    CHECK(r.header.local);
    CHECK(r.header.length == h.size());
  }
}

TEST_CASE("v1: 107 bytes at most, CRLF included") {
  const std::string head = "PROXY UNKNOWN ";
  const std::string longest = head + std::string(v1_max - head.size() - 2, 'x') + "\r\n";
  REQUIRE(longest.size() == v1_max);
  CHECK(parse(longest).status == Status::complete);
  const std::string too_long = head + std::string(v1_max - head.size() - 1, 'x') + "\r\n";
  CHECK(parse(too_long).status == Status::invalid);
  // Without a line end, 106 bytes may still become a header; 107 cannot.
  CHECK(parse(head + std::string(v1_max - 1 - head.size(), 'x')).status == Status::incomplete);
  CHECK(parse(head + std::string(v1_max - head.size(), 'x')).status == Status::invalid);
}

TEST_CASE("v1: malformed lines are refused") {
  for (const char* h : {
           "PROXY TCP4 192.0.2.7 198.51.100.1 56324 25\n",      // LF without CR
           "PROXY TCP4 192.0.2.7 198.51.100.1 56324\r\n",       // a field missing
           "PROXY TCP4 192.0.2.7 198.51.100.1 56324 25 9\r\n",  // one too many
           "PROXY TCP4  192.0.2.7 198.51.100.1 56324 25\r\n",   // two spaces
           "PROXY TCP4 192.0.2.7 198.51.100.1 56324 25 \r\n",   // a trailing space
           "PROXY TCP4 2001:db8::7 198.51.100.1 56324 25\r\n",  // IPv6 under TCP4
           "PROXY TCP6 192.0.2.7 ::1 56324 25\r\n",             // IPv4 under TCP6
           "PROXY TCP4 192.0.2.256 198.51.100.1 56324 25\r\n",  // not an address
           "PROXY TCP4 192.0.2.7 198.51.100.1 65536 25\r\n",    // port beyond 65535
           "PROXY TCP4 192.0.2.7 198.51.100.1 -1 25\r\n",       // not a port
           "PROXY TCP4 192.0.2.7 198.51.100.1 000025 25\r\n",   // six digits
           "PROXY UDP4 192.0.2.7 198.51.100.1 56324 25\r\n",    // not TCP
           "PROXY \r\n",                                        // nothing
           "proxy TCP4 192.0.2.7 198.51.100.1 56324 25\r\n",    // not the keyword
       }) {
    INFO(h);
    const auto r = parse(h);
    CHECK(r.status == Status::invalid);
    CHECK_FALSE(r.error.empty());
  }
}

TEST_CASE("v2 PROXY TCP4 and TCP6, TLVs skipped") {
  const auto four = v2(0x21, 0x11, tcp4);
  auto r = parse(four + "EHLO x\r\n");
  REQUIRE(r.status == Status::complete);
  CHECK(r.header.version == 2);
  CHECK(r.header.length == 16 + 12);
  CHECK(r.header.client_ip == "192.0.2.7");
  CHECK(r.header.client_port == 56324);
  every_prefix_incomplete(four);

  // An ALPN TLV and a NOOP one after the addresses: part of the header, not read.
  const auto tlvs = bytes({0x01, 0, 2, 'h', '2', 0x04, 0, 3, 0, 0, 0});
  const auto six = v2(0x21, 0x21, tcp6 + tlvs);
  r = parse(six);
  REQUIRE(r.status == Status::complete);
  CHECK(r.header.length == six.size());
  CHECK(r.header.client_ip == "2001:db8::7");
  CHECK(r.header.client_port == 443);
  every_prefix_incomplete(six);
}

TEST_CASE("v2 LOCAL and other families: the connection's own addresses stand") {
  for (const auto& h : {v2(0x20, 0x00, ""), v2(0x20, 0x11, tcp4), v2(0x21, 0x00, ""),
                        v2(0x21, 0x31, std::string(216, 'x'))}) {
    const auto r = parse(h);
    REQUIRE(r.status == Status::complete);
    CHECK(r.header.local);
    CHECK(r.header.length == h.size());
  }
}

TEST_CASE("v2: malformed or oversized headers are refused") {
  CHECK(parse(v2(0x11, 0x11, tcp4)).status == Status::invalid);  // version 1 in a v2 header
  CHECK(parse(v2(0x22, 0x11, tcp4)).status == Status::invalid);  // command 2
  CHECK(parse(v2(0x21, 0x41, tcp4)).status == Status::invalid);  // family 4
  CHECK(parse(v2(0x21, 0x13, tcp4)).status == Status::invalid);  // transport 3
  CHECK(parse(v2(0x21, 0x11, tcp4.substr(0, 11))).status == Status::invalid);  // short block
  CHECK(parse(v2(0x21, 0x21, tcp4)).status == Status::invalid);  // IPv6 needs 36 bytes
  // The largest payload allowed, and one byte more (refused from the 16 fixed bytes on).
  CHECK(parse(v2(0x21, 0x11, tcp4 + std::string(v2_max_payload - 12, '\0'))).status ==
        Status::complete);
  const auto big = v2(0x21, 0x11, tcp4 + std::string(v2_max_payload - 11, '\0'));
  CHECK(parse(big.substr(0, 16)).status == Status::invalid);
  CHECK(parse(std::string(sig.data(), 11) + 'X').status == Status::invalid);  // bad signature
}

TEST_CASE("bytes that are not a PROXY header are refused at once") {
  for (const std::string h : {"EHLO client\r\n", "P", "PROX", "\r\n"}) {
    INFO(h);
    const auto r = parse(h);
    // "P", "PROX" and "\r\n" may still become headers; the rest cannot.
    if (h == "P" || h == "PROX" || h == "\r\n")
      CHECK(r.status == Status::incomplete);
    else
      CHECK(r.status == Status::invalid);
  }
  CHECK(parse("GET / HTTP/1.1\r\n").status == Status::invalid);
  CHECK(parse("\x16\x03\x01").status == Status::invalid);  // a TLS ClientHello
  CHECK(parse("PROXZ").status == Status::invalid);
}
