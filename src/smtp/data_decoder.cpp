// The DATA-phase decoder: a small state machine at line starts, memchr inside lines.
#include "smtp/data_decoder.hpp"

#include <cstring>

#include "smtp/message_room.hpp"

namespace bounceback::smtp {

void DataDecoder::reset(std::uint64_t max_size, BareLfPolicy policy, std::uint64_t declared) {
  state_ = State::line_start;
  prev_cr_ = oversize_ = bare_lf_ = false;
  policy_ = policy;
  max_size_ = max_size;
  declared_ = declared;
  size_ = 0;
  body_.clear();
}

void DataDecoder::emit(std::string_view bytes) {
  size_ += bytes.size();
  if (oversize_) return;
  if (size_ > max_size_) {  // stop storing, keep counting: the client is told 552 at the end
    oversize_ = true;
    body_.clear();
    body_.shrink_to_fit();
    return;
  }
  if (body_.size() + bytes.size() > body_.capacity())
    make_room(body_, bytes.size(), 0, declared_, max_size_);
  body_.append(bytes);
}

void DataDecoder::emit_newline_after_bare_lf() {
  bare_lf_ = true;
  emit(policy_ == BareLfPolicy::normalize ? std::string_view("\r\n") : std::string_view("\n"));
}

std::size_t DataDecoder::feed(std::string_view in) {
  std::size_t i = 0;
  while (i < in.size() && state_ != State::done) {
    const char c = in[i];
    switch (state_) {
      case State::line_start:
        if (c == '.') {
          state_ = State::dot;
          ++i;
        } else {
          state_ = State::in_line;
        }
        break;
      case State::dot:  // the leading dot is dropped (unstuffing) unless ".\r\n" follows
        if (c == '\r') {
          state_ = State::dot_cr;
          ++i;
        } else {
          state_ = State::in_line;
        }
        break;
      case State::dot_cr:
        if (c == '\n') {
          state_ = State::done;
          ++i;
        } else {  // ".\rX": the dot was stuffing, the CR is data
          emit("\r");
          prev_cr_ = true;
          state_ = State::in_line;
        }
        break;
      case State::in_line: {
        const char* start = in.data() + i;
        const auto* nl = static_cast<const char*>(std::memchr(start, '\n', in.size() - i));
        if (!nl) {
          emit(std::string_view(start, in.size() - i));
          prev_cr_ = in.back() == '\r';
          i = in.size();
          break;
        }
        const std::size_t len = static_cast<std::size_t>(nl - start);
        const bool crlf = len > 0 ? nl[-1] == '\r' : prev_cr_;
        if (crlf) {
          emit(std::string_view(start, len + 1));
          state_ = State::line_start;
        } else {
          emit(std::string_view(start, len));
          emit_newline_after_bare_lf();
          // A bare LF does not start a line: a '.' after it is data, never the end marker.
        }
        prev_cr_ = false;
        i += len + 1;
        break;
      }
      case State::done:
        break;
    }
  }
  return i;
}

}  // namespace bounceback::smtp
