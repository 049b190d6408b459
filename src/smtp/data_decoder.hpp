// Streams the DATA phase (RFC 5321 §4.1.1.4, §4.5.2): finds the end marker CRLF.CRLF,
// removes dot-stuffing, applies the bare-LF policy and the size bound without ever
// buffering past the limit. Only a true CRLF "." CRLF ends a message, so "\n.\n" and
// "\r\n.\n" cannot smuggle a second message (the 2023 SMTP smuggling class).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "smtp/limits.hpp"

namespace bounceback::smtp {

class DataDecoder {
 public:
  // declared: the SIZE= of MAIL (0: none), for a large message's room (smtp/message_room.hpp).
  void reset(std::uint64_t max_size, BareLfPolicy policy, std::uint64_t declared = 0);

  // Consumes input up to and including the end marker; returns the bytes consumed.
  std::size_t feed(std::string_view input);

  bool done() const { return state_ == State::done; }
  bool oversize() const { return oversize_; }
  bool bare_lf() const { return bare_lf_; }
  std::uint64_t size() const { return size_; }  // decoded bytes, counted past the bound too
  std::string& body() { return body_; }

 private:
  enum class State : std::uint8_t {
    line_start,  // after CRLF (or at the start): a '.' here is special
    dot,         // saw '.' at line start
    dot_cr,      // saw ".\r" at line start
    in_line,     // inside a line
    done,
  };
  void emit(std::string_view bytes);
  void emit_newline_after_bare_lf();

  State state_ = State::line_start;
  bool prev_cr_ = false;  // the last byte of the line so far was '\r'
  bool oversize_ = false;
  bool bare_lf_ = false;
  BareLfPolicy policy_ = BareLfPolicy::normalize;
  std::uint64_t max_size_ = 0;
  std::uint64_t declared_ = 0;
  std::uint64_t size_ = 0;
  std::string body_;
};

}  // namespace bounceback::smtp
