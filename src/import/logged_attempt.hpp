// One record of Bounceback's attempt log (GET /api/v1/attempts, or the engine's own records
// for the export route) as the import model takes it: a refusal with its one-line summary
// split back into lines, or an acceptance.
#pragma once

#include <string_view>

#include "import/model.hpp"

namespace bounceback::import {

struct LoggedAttempt {
  std::string_view from, rcpt;
  std::string_view stage;    // "rcpt", "data", "message", ...
  std::string_view outcome;  // "accepted", "refused", ...
  std::string_view reply;    // "451 4.7.1 a / b"
  Source source;
};

// Adds it to `model` (an RCPT accepted counts as a pass, whatever came after it); false for
// what has no reply to reproduce (pending, a drop or hang without a reply, a refusal before
// RCPT, which names no recipient).
bool add_logged_attempt(Model& model, const LoggedAttempt& a);

}  // namespace bounceback::import
