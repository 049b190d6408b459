// The mail transaction (RFC 5321 §3.3): what MAIL, RCPT and the chunks of BDAT gathered, until
// the message is answered or RSET, HELO/EHLO or STARTTLS end it. One value, reset by assigning
// a new one, so a field added here cannot be forgotten by the reset.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "smtp/chunk_reader.hpp"
#include "smtp/command.hpp"
#include "smtp/event.hpp"

namespace bounceback::smtp {

struct Transaction {
  bool open = false;  // MAIL was accepted
  std::string from;   // "" for the null reverse path
  MailParams params;
  std::string queue_id;
  // The accepted recipients: two lists, since Event::rcpts is a span of the addresses.
  std::vector<std::string> rcpts;
  std::vector<RcptParams> rcpt_params;
  bool rcpt_attempted = false;  // even a refused RCPT makes an empty DATA "no valid recipients"
  ChunkReader bdat;
  // A positive `data` decision at the first BDAT: there is no 354, so its delay, drip and
  // disconnect (and a 2xx text) shape the reply that ends the first chunk instead.
  std::optional<Decision> bdat_decision;

  // A new transaction that keeps the recipient lists' memory (no allocation per message).
  Transaction next() {
    Transaction fresh;
    fresh.rcpts = std::move(rcpts);
    fresh.rcpts.clear();
    fresh.rcpt_params = std::move(rcpt_params);
    fresh.rcpt_params.clear();
    return fresh;
  }
};

}  // namespace bounceback::smtp
