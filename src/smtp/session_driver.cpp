// The session driver (see session_driver.hpp): one Output is carried out in steps (the
// replies due now, the delay, the paced reply byte by byte, then what follows), and only
// after the last step is the session fed again.
#include "smtp/session_driver.hpp"

#include <cstring>
#include <utility>

namespace bounceback::smtp {

Effect SessionDriver::start() {
  out_.clear();
  session_.start(out_);
  carried_ = false;
  step_ = Step::now;
  return next();
}

std::span<char> SessionDriver::read_space() {
  if (!buffer_) buffer_ = std::make_unique_for_overwrite<char[]>(capacity_);  // not zeroed
  return {buffer_.get() + end_, capacity_ - end_};
}

Effect SessionDriver::received(std::size_t n) {
  end_ += n;
  offer_ = true;
  return next();
}

Effect SessionDriver::end_of_input() {
  session_.connection_lost(Ending::client_left);
  return end(Effect::Kind::close);
}

Effect SessionDriver::written(bool client_left) {
  if (paced_end_) {
    paced_end_ = false;
    session_.paced_written(client_left ? Sent::client_gone : Sent::delivered);
  }
  return next();
}

Effect SessionDriver::write_failed() {
  paced_end_ = false;
  session_.connection_lost(Ending::client_left);
  return end(Effect::Kind::close);
}

Effect SessionDriver::interrupted() {
  session_.connection_lost(Ending::closed);
  return end(Effect::Kind::close);
}

Effect SessionDriver::timed_out() {
  out_.clear();
  session_.timeout(out_);
  ending_ = true;
  carried_ = false;
  step_ = Step::now;
  return next();
}

Effect SessionDriver::shutting_down() {
  out_.clear();
  session_.shutdown(out_);
  ending_ = true;
  carried_ = false;
  step_ = Step::now;
  return next();
}

Effect SessionDriver::tls_started(std::string version, std::string cipher) {
  session_.tls_started(std::move(version), std::move(cipher));
  step_ = Step::feed;
  carried_ = true;
  return next();
}

Effect SessionDriver::stored(bool ok) {
  // The reply joins those already due (an in-memory store is carried out at once, so a
  // read's replies still go out in one write), and the input behind the message is fed.
  session_.stored(ok, out_);
  return next();
}

Effect SessionDriver::consulted() {
  // The greeting or the message goes on in the session; a command line waiting in the
  // buffer (offer_ stayed set) is fed again.
  out_.clear();
  session_.consulted(out_);
  carried_ = false;
  step_ = Step::feed;
  return next();
}

// Compacts the buffer and asks for more.
Effect SessionDriver::read() {
  if (start_ > 0) {
    std::memmove(buffer_.get(), buffer_.get() + start_, end_ - start_);
    end_ -= start_;
    start_ = 0;
  }
  // A full buffer the session did not consume: a line longer than the buffer, which a
  // buffer longer than the line limits rules out. Closing beats reading nothing forever.
  if (buffer_ && end_ == capacity_) return end(Effect::Kind::close);
  return {Effect::Kind::read};
}

Effect SessionDriver::next() {
  for (;;) {
    switch (step_) {
      case Step::feed:
        if (carried_) {
          if (ending_) return end(Effect::Kind::close);
          if (!offer_) return read();
          out_.clear();
          carried_ = false;
        }
        if (offer_ && !out_.paused()) {
          start_ += session_.feed(input(), out_);
          // Plaintext pipelined after STARTTLS must never run (CVE-2011-0411): drop it.
          if (out_.then == Output::Then::start_tls) start_ = end_;
          // The session stops early only on a pause; otherwise it has seen all of the rest.
          offer_ = out_.paused() && start_ < end_;
        }
        // Stored before the replies due now are written (they go out with the message's),
        // unless the store takes time.
        if (out_.then == Output::Then::store && (!write_before_store_ || out_.now.empty()))
          return {Effect::Kind::store};
        step_ = Step::now;
        break;
      case Step::now:
        if (out_.shutdown_in.count() > 0) [[unlikely]]
          return {Effect::Kind::arm_shutdown, {}, std::exchange(out_.shutdown_in, {})};
        step_ = Step::delay;
        if (!out_.now.empty()) return {Effect::Kind::write, out_.now};
        break;
      case Step::delay:
        step_ = Step::paced;
        if (out_.delay.count() > 0) return {Effect::Kind::wait, {}, out_.delay};
        break;
      case Step::paced: {
        // In pieces (faults.cpp's pacing rows: whole, a byte each, split, a line each), the
        // pause between them; a reply with no pacing is one piece.
        const std::string_view paced = out_.paced;
        const bool drip = out_.drip.count() > 0;
        const auto pause = drip ? out_.drip : out_.pause;
        // Between the pieces; a drip also waits after its last byte (one byte per interval).
        const bool due = paced_at_ > 0 && (paced_at_ < paced.size() || drip);
        if (due && pause.count() > 0 && !std::exchange(paused_, true))
          return {Effect::Kind::wait, {}, pause};
        paused_ = false;
        if (paced_at_ == paced.size()) {
          paced_at_ = 0;
          step_ = Step::then;
          break;
        }
        const std::size_t from = paced_at_;
        paced_at_ = next_cut(drip ? Pacing::drip : out_.pacing, out_.cuts, paced, from);
        paced_end_ = paced_at_ == paced.size();
        return {Effect::Kind::write, paced.substr(from, paced_at_ - from), {}, paced_end_};
      }
      case Step::then:
        switch (out_.then) {
          case Output::Then::read:
            step_ = Step::feed;
            carried_ = true;
            break;
          case Output::Then::store:  // the replies before it are out: stored() adds its own
            out_.now.clear();
            step_ = Step::feed;
            return {Effect::Kind::store};
          case Output::Then::start_tls:
            return {Effect::Kind::start_tls};
          case Output::Then::hang:
            return end(Effect::Kind::hang);
          case Output::Then::close:
            return end(Effect::Kind::close);
          case Output::Then::reset:
            return end(Effect::Kind::reset);
          case Output::Then::consult:
            return {Effect::Kind::consult};
        }
        break;
      case Step::done:
        return {Effect::Kind::close};
    }
  }
}

}  // namespace bounceback::smtp
