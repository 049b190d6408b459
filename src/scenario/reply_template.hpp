// A scenario reply: code and enhanced code fixed at load time, text with placeholders
// ({rcpt} {rcpt_domain} {from} {from_domain} {FROM_DOMAIN} {helo} {client_ip} {hostname}
// {queue_id} {size} {session_id} {token} {TOKEN} {session_token} {timestamp} {unix_time} {date})
// pre-split into segments so filling it at decide() time is one pass.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "smtp/reply.hpp"

namespace bounceback::scenario {

enum class Field : std::uint8_t {
  literal,
  rcpt,
  rcpt_domain,  // what follows the recipient's last '@' (Postgrey's help URL)
  from,
  from_domain,        // what follows the sender's last '@' (Gmail's DMARC text)
  from_domain_upper,  // the same in capitals, as Microsoft prints it
  helo,
  client_ip,
  hostname,  // the server's name (--hostname or the scenario's [server] hostname)
  queue_id,
  size,
  session_id,
  token,          // 16 hex digits, reproducible from (seed, session, event): id-looking suffixes
  token_upper,    // the same in capitals, like Microsoft's server tags
  timestamp,      // the clock's time, "2025-06-23T20:38:28.040Z" as Microsoft prints it
  session_token,  // 16 hex digits, one per session: Gmail's id repeated in every reply
  unix_time,      // the clock's time in seconds since 1970, as Gmail's 250 after the data
  date,           // the clock's time as RFC 5322 writes it, "Thu, 26 Sep 2019 10:51:20 +0000"
};

// The values a template may use, gathered by the engine for one event.
struct TemplateValues {
  std::string_view rcpt, from, helo, client_ip, hostname, queue_id, session_id;
  std::uint64_t size = 0;
  std::uint64_t token = 0;
  std::uint64_t session_token = 0;
  std::chrono::system_clock::time_point now{};
};

class ReplyTemplate {
 public:
  // Parses `text` ("550 5.1.1 <{rcpt}> unknown", lines split by '\n'); on failure returns
  // nullopt with `error` saying what was expected.
  static std::optional<ReplyTemplate> parse(std::string_view text, std::string& error);

  smtp::Reply fill(const TemplateValues& values) const;
  const smtp::Reply& raw() const { return raw_; }  // with the placeholders unfilled

 private:
  struct Segment {
    Field field = Field::literal;
    std::string text;
  };
  smtp::Reply raw_;
  std::vector<Segment> segments_;
};

}  // namespace bounceback::scenario
