// Attempt-log records into the import model (see logged_attempt.hpp).
#include "import/logged_attempt.hpp"

#include "import/reply_lines.hpp"

namespace bounceback::import {

bool add_logged_attempt(Model& model, const LoggedAttempt& r) {
  if (r.rcpt.empty()) return false;
  Attempt a;
  a.source = r.source;
  // Accepted, or the RCPT accepted and then the client went its way (RSET, QUIT) or the
  // connection ended: the attempt passed RCPT, which is what the counters count.
  const bool rcpt_passed = r.reply.starts_with('2') && r.outcome != "refused";
  if (r.outcome == "accepted" || r.outcome == "abandoned" || rcpt_passed) {
    a.stage = Stage::message;
  } else if (r.outcome == "refused") {
    a.lines = split_summary(r.reply);
    if (a.lines.empty()) return false;
    a.stage = r.stage == "message" ? Stage::message : r.stage == "data" ? Stage::data : Stage::rcpt;
  } else {
    return false;
  }
  model.add(r.rcpt, r.from, std::move(a));
  return true;
}

}  // namespace bounceback::import
