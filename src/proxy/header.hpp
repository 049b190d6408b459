// The PROXY protocol header (HAProxy's, versions 1 and 2) a load balancer sends before the
// first byte of the client's connection, saying who the client really is. Pure: bytes in,
// a result out; the transport (net/connection.cpp) feeds it what it has peeked so far, and
// consumes exactly the header's bytes once it is complete.
// https://www.haproxy.org/download/2.6/doc/proxy-protocol.txt
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace bounceback::proxy {

// Version 1 is one text line of at most 107 bytes with its CRLF (the specification's bound).
inline constexpr std::size_t v1_max = 107;
// Version 2 is a 16-byte header then `length` bytes of addresses and TLVs. HAProxy's TLVs
// (ALPN, authority, unique id, SSL facts) fit easily in 2 KiB; a longer header is refused,
// so a peer cannot make a connection hold more than this before its banner.
inline constexpr std::size_t v2_fixed = 16;
inline constexpr std::size_t v2_max_payload = 2048;
inline constexpr std::size_t max_header = v2_fixed + v2_max_payload;

struct Header {
  int version = 0;         // 1 or 2
  std::size_t length = 0;  // bytes the header takes, CRLF or TLVs included
  // v2 LOCAL (a balancer's own health check), v1 UNKNOWN, or an address family other than
  // TCP over IPv4/IPv6: the connection's own addresses stand.
  bool local = false;
  std::string client_ip;  // as net prints addresses: "192.0.2.1", "2001:db8::1"
  std::uint16_t client_port = 0;
};

enum class Status {
  complete,    // `header` is filled in
  incomplete,  // every byte so far is a valid beginning of a header: wait for more
  invalid,     // not a PROXY header, or a malformed or oversized one: `error` says why
};

struct Result {
  Status status = Status::incomplete;
  Header header;
  std::string_view error;  // a static text
};

// Parses the header at the start of `bytes`; the bytes after it are the client's (never
// looked at). At most max_header bytes are needed to decide.
Result parse(std::string_view bytes);

}  // namespace bounceback::proxy
