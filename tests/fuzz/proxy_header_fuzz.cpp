// Fuzzes the PROXY header parser (proxy/header.hpp) as the transport drives it: on every
// prefix of the input. Invariants: a complete header's length lies within the bytes seen and
// its bounds (v1 107, v2 16 + 2048); incomplete only below those bounds; once a prefix is
// complete or invalid, every longer input says the same (the verdict never needs bytes after
// the header); an address is given unless the header is LOCAL; parsing never throws.
#include <cstdint>
#include <string_view>

#include "fuzz_support.hpp"
#include "proxy/header.hpp"

using namespace bounceback::proxy;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t end = std::min(input.size(), max_header + 16);
  Result decided;
  bool seen_decision = false;
  for (std::size_t n = 0; n <= end; ++n) {
    const auto r = parse(input.substr(0, n));
    if (seen_decision) {
      FUZZ_CHECK(r.status == decided.status);
      if (r.status == Status::complete) {
        FUZZ_CHECK(r.header.length == decided.header.length);
        FUZZ_CHECK(r.header.client_ip == decided.header.client_ip);
      }
      continue;
    }
    switch (r.status) {
      case Status::incomplete:
        FUZZ_CHECK(n < max_header);
        break;
      case Status::complete:
        FUZZ_CHECK(r.header.length > 0 && r.header.length <= n);
        FUZZ_CHECK(r.header.version == 1 || r.header.version == 2);
        FUZZ_CHECK(r.header.length <= (r.header.version == 1 ? v1_max : max_header));
        FUZZ_CHECK(r.header.local == r.header.client_ip.empty());
        FUZZ_CHECK(r.header.client_ip.size() <= 45);
        [[fallthrough]];
      case Status::invalid:
        FUZZ_CHECK(r.status == Status::complete || !r.error.empty());
        decided = r;
        seen_decision = true;
        break;
    }
  }
  return 0;
}
