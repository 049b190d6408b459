// The Lua scripts mirror the tables in memory (scenario/*_table.hpp): an entry stores its
// logical times (the engine's clock, which the API may move) and is fresh once they have
// passed; the key's TTL, the table's expiry in real time, only collects it.
#include "redis/state_script.hpp"

#include <openssl/sha.h>

#include <algorithm>
#include <charconv>

namespace bounceback::redis {

namespace {

constexpr std::string_view decide_lua = R"lua(
-- KEYS: the attempt counters (nc), the quotas (nq), then each check's rate and greylist keys.
-- ARGV: now, count mode (0 none, 1 add, 2 read), counter idle, nc, nq, size, checks, then per
-- check: attempts 0|1 [first last of], quota 0|1 [limit], rate 0|1 [max per], greylist 0|1
-- [retry_after expire]. Returns {matched check, recipient, counts...}.
local now, mode, idle = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local nc, nq, size, n = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local counts = {}
for i = 1, nc do
  local v = redis.call('HMGET', KEYS[i], 'c', 'e')
  local c = tonumber(v[1]) or 0
  if (tonumber(v[2]) or 0) <= now then c = 0 end
  if mode == 1 then
    c = c + 1
    redis.call('HSET', KEYS[i], 'c', c, 'e', now + idle)
    redis.call('PEXPIRE', KEYS[i], idle)
  end
  counts[i] = c
end
local function used(k)
  local v = redis.call('HMGET', k, 'b', 'e')
  if (tonumber(v[2]) or 0) <= now then return 0 end
  return tonumber(v[1]) or 0
end
local function answer(check, who)
  local out = {check, who}
  for i = 1, nc do out[#out + 1] = counts[i] end
  return out
end
local a, key = 8, nc + nq + 1
for check = 1, n do
  local has_a = ARGV[a] == '1'; a = a + 1
  local first, last, of
  if has_a then first, last, of = tonumber(ARGV[a]), tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]); a = a + 3 end
  local has_q = ARGV[a] == '1'; a = a + 1
  local limit
  if has_q then limit = tonumber(ARGV[a]); a = a + 1 end
  local has_r = ARGV[a] == '1'; a = a + 1
  local max, per, rkey
  if has_r then max, per, rkey = tonumber(ARGV[a]), tonumber(ARGV[a + 1]), KEYS[key]; a = a + 2; key = key + 1 end
  local has_g = ARGV[a] == '1'; a = a + 1
  local retry, expire, gkey
  if has_g then retry, expire, gkey = tonumber(ARGV[a]), tonumber(ARGV[a + 1]), KEYS[key]; a = a + 2; key = key + 1 end
  local holds, who = true, 0
  if has_a then
    if of > 0 then
      holds = counts[of] >= first and counts[of] <= last
    else
      holds = false
      for i = 1, nc do
        if counts[i] >= first and counts[i] <= last then holds = true; who = i; break end
      end
    end
  end
  if holds and has_q then
    holds = false
    for i = 1, nq do
      if used(KEYS[nc + i]) + size > limit then holds = true; who = i; break end
    end
  end
  if holds and has_r then
    local v = redis.call('HMGET', rkey, 'c', 'e')
    local c, e = tonumber(v[1]) or 0, tonumber(v[2]) or 0
    if e <= now then c = 0; e = now + per end
    c = c + 1
    redis.call('HSET', rkey, 'c', c, 'e', e)
    redis.call('PEXPIRE', rkey, math.max(e - now, 1))
    holds = c > max
  end
  if holds and has_g then
    local v = redis.call('HMGET', gkey, 'f', 'p', 'e')
    if (tonumber(v[3]) or 0) <= now then
      redis.call('HSET', gkey, 'f', now, 'p', 0, 'e', now + expire)
      redis.call('PEXPIRE', gkey, expire)
    elseif v[2] == '0' and now - tonumber(v[1]) < retry then
      holds = true
    else
      redis.call('HSET', gkey, 'p', 1, 'e', now + expire)
      redis.call('PEXPIRE', gkey, expire)
      holds = false
    end
  end
  if holds then return answer(check, who) end
end
return answer(0, 0)
)lua";

constexpr std::string_view quota_lua = R"lua(
-- KEYS: the recipients' quota entries. ARGV: now, bytes, idle.
local now, bytes, idle = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
for i = 1, #KEYS do
  local v = redis.call('HMGET', KEYS[i], 'b', 'e')
  local b = tonumber(v[1]) or 0
  if (tonumber(v[2]) or 0) <= now then b = 0 end
  redis.call('HSET', KEYS[i], 'b', b + bytes, 'e', now + idle)
  redis.call('PEXPIRE', KEYS[i], idle)
end
return #KEYS
)lua";

constexpr std::string_view clear_lua = R"lua(
-- ARGV: the prefix. Deletes the tables' keys under it (a test double's state: few keys),
-- not the shared capture's (PREFIX capture): a scenario reset keeps the messages.
local keys = redis.call('KEYS', ARGV[1] .. '[agqr]:*')
for i = 1, #keys, 1000 do
  redis.call('DEL', unpack(keys, i, math.min(i + 999, #keys)))
end
return #keys
)lua";

Script make_script(std::string_view name, std::string_view source) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(source.data()), source.size(), digest);
  static constexpr char hex[] = "0123456789abcdef";
  std::string sha;
  for (const unsigned char b : digest) {
    sha += hex[b >> 4];
    sha += hex[b & 15];
  }
  return {name, source, std::move(sha)};
}

std::string number(std::uint64_t n) {
  char buf[24];
  return std::string(buf, std::to_chars(buf, buf + sizeof buf, n).ptr);
}

std::string millis(std::chrono::milliseconds d) {
  return number(static_cast<std::uint64_t>(std::max<std::int64_t>(d.count(), 1)));
}

std::string time_ms(scenario::TimePoint t) {
  return number(static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count()));
}

bool parse_number(std::string_view text, auto& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size();
}

}  // namespace

std::optional<Url> parse_url(std::string_view text, std::string& error) {
  constexpr std::string_view scheme = "redis://";
  if (!text.starts_with(scheme)) {
    error = "expected redis://HOST:PORT[/DB]";
    return std::nullopt;
  }
  text.remove_prefix(scheme.size());
  Url url;
  if (const auto slash = text.find('/'); slash != std::string_view::npos) {
    if (!parse_number(text.substr(slash + 1), url.db) || url.db > 15) {
      error = "the database after '/' must be a number from 0 to 15";
      return std::nullopt;
    }
    text = text.substr(0, slash);
  }
  std::string_view host = text, port;
  if (text.starts_with('[')) {  // [IPv6]:PORT
    const auto close = text.find(']');
    if (close == std::string_view::npos) {
      error = "an IPv6 address needs its closing ']'";
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    const auto rest = text.substr(close + 1);
    if (!rest.empty() && (rest[0] != ':' || (port = rest.substr(1)).empty())) {
      error = "expected :PORT after the IPv6 address";
      return std::nullopt;
    }
  } else if (const auto colon = text.rfind(':'); colon != std::string_view::npos) {
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (port.empty()) {
      error = "expected a port after ':'";
      return std::nullopt;
    }
  }
  if (host.empty()) {
    error = "expected a host name or address";
    return std::nullopt;
  }
  if (!port.empty() && (!parse_number(port, url.port) || url.port == 0)) {
    error = "the port must be a number from 1 to 65535";
    return std::nullopt;
  }
  url.host = host;
  return url;
}

std::string key_name(std::string_view prefix, Table table, std::uint64_t hash) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string key(prefix);
  key += static_cast<char>(table);
  key += ':';
  for (int shift = 60; shift >= 0; shift -= 4) key += hex[(hash >> shift) & 15];
  return key;
}

const Script& decide_script() {
  static const Script s = make_script("decide", decide_lua);
  return s;
}
const Script& quota_script() {
  static const Script s = make_script("quota", quota_lua);
  return s;
}
const Script& clear_script() {
  static const Script s = make_script("clear", clear_lua);
  return s;
}

Invocation decide_invocation(const scenario::StateRequest& q, std::string_view prefix) {
  Invocation in;
  in.script = &decide_script();
  for (const auto h : q.counters) in.keys.push_back(key_name(prefix, Table::attempts, h));
  for (const auto h : q.quotas) in.keys.push_back(key_name(prefix, Table::quota, h));
  const int mode = q.count == scenario::StateRequest::Count::add    ? 1
                   : q.count == scenario::StateRequest::Count::read ? 2
                                                                    : 0;
  in.args = {time_ms(q.now),          number(static_cast<std::uint64_t>(mode)),
             millis(q.counter_idle),  number(q.counters.size()),
             number(q.quotas.size()), number(q.size),
             number(q.checks.size())};
  auto& args = in.args;
  for (const auto& c : q.checks) {
    args.push_back(c.attempts ? "1" : "0");
    if (c.attempts) {
      args.push_back(number(c.attempts->first));
      args.push_back(number(c.attempts->last));
      args.push_back(number(c.attempts_of));
    }
    args.push_back(c.quota ? "1" : "0");
    if (c.quota) args.push_back(number(*c.quota));
    args.push_back(c.rate_limit ? "1" : "0");
    if (c.rate_limit) {
      args.push_back(number(c.rate_limit->max));
      args.push_back(millis(c.rate_limit->per));
      in.keys.push_back(key_name(prefix, Table::rate, c.rate_key));
    }
    args.push_back(c.greylist ? "1" : "0");
    if (c.greylist) {
      args.push_back(number(static_cast<std::uint64_t>(c.greylist->retry_after.count())));
      args.push_back(millis(c.greylist->expire));
      in.keys.push_back(key_name(prefix, Table::greylist, c.triplet));
    }
  }
  return in;
}

Invocation quota_invocation(std::span<const std::uint64_t> rcpts, std::uint64_t bytes,
                            scenario::TimePoint now, std::chrono::milliseconds idle,
                            std::string_view prefix) {
  Invocation in;
  in.script = &quota_script();
  for (const auto h : rcpts) in.keys.push_back(key_name(prefix, Table::quota, h));
  in.args = {time_ms(now), number(bytes), millis(idle)};
  return in;
}

Invocation clear_invocation(std::string_view prefix) {
  Invocation in;
  in.script = &clear_script();
  in.args = {std::string(prefix)};
  return in;
}

bool read_decide_reply(std::span<const long long> values, scenario::StateAnswer& answer) {
  if (values.size() < 2 || values[0] < 0 || values[1] < 0) return false;
  answer.matched = static_cast<std::uint32_t>(values[0]);
  answer.recipient = static_cast<std::uint32_t>(values[1]);
  answer.counts.clear();
  for (const auto v : values.subspan(2)) answer.counts.push_back(static_cast<std::uint64_t>(v));
  return true;
}

}  // namespace bounceback::redis
