// Cheap, allocation-free hashing: case-folded keys for the stateful tables, and the mixer
// that turns (seed, session, event, rule) into a reproducible probability draw.
#pragma once

#include <cstdint>
#include <string_view>

namespace bounceback::scenario {

// SplitMix64 finaliser: a good avalanche, so neighbouring inputs give unrelated outputs.
constexpr std::uint64_t mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Builds a 64-bit key from several strings, ASCII case-insensitively (addresses and IPs are
// compared that way), without allocating. Parts are separated so ("ab","c") != ("a","bc").
class KeyHash {
 public:
  KeyHash& add(std::string_view s) {
    for (unsigned char c : s) step(c >= 'A' && c <= 'Z' ? c + 32 : c);
    step(0xff);  // separator: never a byte of an address
    return *this;
  }
  KeyHash& add(std::uint64_t v) {
    h_ = mix64(h_ ^ v);
    return *this;
  }
  std::uint64_t value() const { return mix64(h_); }

 private:
  void step(unsigned c) {
    h_ ^= c;
    h_ *= 0x100000001b3ULL;  // FNV-1a 64
  }
  std::uint64_t h_ = 0xcbf29ce484222325ULL;
};

// A uniform draw in [0, 1) from a 64-bit hash.
constexpr double unit_interval(std::uint64_t h) {
  return static_cast<double>(h >> 11) * (1.0 / 9007199254740992.0);  // 2^53
}

}  // namespace bounceback::scenario
