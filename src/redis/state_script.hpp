// What the Redis store sends, without any I/O: the --state URL, the keys' names, the Lua
// scripts (one atomic read-and-write per decision, as the tables in memory decide) and the
// arguments a StateRequest becomes. Unit-tested (tests/unit/redis).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "scenario/shared_state.hpp"

namespace bounceback::redis {

// redis://HOST:PORT[/DB]; HOST may be a name, an IPv4 or a bracketed IPv6 address.
struct Url {
  std::string host;
  std::uint16_t port = 6379;
  unsigned db = 0;
};
// nullopt (and `error` says why) unless `text` is such a URL.
std::optional<Url> parse_url(std::string_view text, std::string& error);

// The tables' one-letter names in keys.
enum class Table : char { attempts = 'a', quota = 'q', rate = 'r', greylist = 'g' };
// "<prefix><table>:<16 hex digits>", e.g. "bounceback:g:00ff00ff00ff00ff".
std::string key_name(std::string_view prefix, Table table, std::uint64_t hash);

// A Lua script and its SHA-1 (as EVALSHA names it).
struct Script {
  std::string_view name;
  std::string_view source;
  std::string sha1;
};
const Script& decide_script();  // a StateRequest's checks, first match wins
const Script& quota_script();   // adds a message's bytes to its recipients' quotas
const Script& clear_script();   // deletes every key under a prefix

// The script and its KEYS and ARGV for a request: {numkeys, keys..., args...} after the sha.
struct Invocation {
  const Script* script = nullptr;
  std::vector<std::string> keys, args;
};
Invocation decide_invocation(const scenario::StateRequest& request, std::string_view prefix);
Invocation quota_invocation(std::span<const std::uint64_t> rcpts, std::uint64_t bytes,
                            scenario::TimePoint now, std::chrono::milliseconds idle,
                            std::string_view prefix);
Invocation clear_invocation(std::string_view prefix);

// The decide script's reply, {matched, recipient, counts...}, read into `answer`.
bool read_decide_reply(std::span<const long long> values, scenario::StateAnswer& answer);

}  // namespace bounceback::redis
