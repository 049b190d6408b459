// Shared by the fuzz targets: a PRNG seeded from the input (so one input is one reproducible
// run: split points and settings come from it, not from the clock), input chunking, checks
// that abort with a message, and the reply-stream invariant.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#define FUZZ_CHECK(cond)                                                                \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      std::fprintf(stderr, "%s:%d: invariant violated: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                     \
    }                                                                                   \
  } while (0)

namespace bounceback::fuzz {

// SplitMix64 seeded with FNV-1a of the input.
class Rng {
 public:
  explicit Rng(std::string_view input) {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (const char c : input) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
    state_ = h;
  }
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::uint64_t below(std::uint64_t n) { return n ? next() % n : 0; }
  bool one_in(std::uint64_t n) { return below(n) == 0; }

 private:
  std::uint64_t state_;
};

// Cuts `input` at random points: mostly small pieces, sometimes one byte, sometimes all.
inline std::vector<std::string_view> chunks(std::string_view input, Rng& rng) {
  std::vector<std::string_view> out;
  const std::uint64_t mode = rng.below(4);
  while (!input.empty()) {
    std::size_t n = input.size();
    if (mode == 0) n = 1;
    else if (mode == 1) n = 1 + rng.below(8);
    else if (mode == 2) n = 1 + rng.below(256);
    n = std::min(n, input.size());
    out.push_back(input.substr(0, n));
    input.remove_prefix(n);
  }
  return out;
}

// A stream of SMTP replies (RFC 5321 §4.2): CRLF-terminated lines of a 3-digit code
// 2xx-5xx, then ' ' (last line) or '-' (continuation, same code follows), no CR or LF
// inside a line, each line within `max_line` octets with its CRLF (§4.5.3.1.5: 512).
inline void check_replies(std::string_view wire, std::size_t max_line = 512) {
  if (wire.empty()) return;
  FUZZ_CHECK(wire.size() >= 5 && wire.substr(wire.size() - 2) == "\r\n");
  std::string_view continued;  // code of a pending '-' line
  while (!wire.empty()) {
    const auto end = wire.find("\r\n");
    FUZZ_CHECK(end != std::string_view::npos);
    const std::string_view line = wire.substr(0, end);
    wire.remove_prefix(end + 2);
    FUZZ_CHECK(line.size() + 2 <= max_line);
    FUZZ_CHECK(line.find_first_of("\r\n") == std::string_view::npos);
    FUZZ_CHECK(line.size() >= 3);
    FUZZ_CHECK(line[0] >= '2' && line[0] <= '5');
    FUZZ_CHECK(line[1] >= '0' && line[1] <= '9' && line[2] >= '0' && line[2] <= '9');
    FUZZ_CHECK(line.size() == 3 || line[3] == ' ' || line[3] == '-');
    if (!continued.empty()) FUZZ_CHECK(line.substr(0, 3) == continued);
    continued = line.size() > 3 && line[3] == '-' ? line.substr(0, 3) : std::string_view{};
  }
  FUZZ_CHECK(continued.empty());  // the stream ends on a last line
}

}  // namespace bounceback::fuzz
