// Fuzzes the DATA decoder (smtp/data_decoder.hpp) against a reference written from the RFC:
// the input is fed in random chunks and every outcome must equal the reference's.
// Reference (RFC 5321 §4.1.1.4, §4.5.2): the message ends at the first CRLF "." CRLF (the
// DATA line's CRLF counts as the first CRLF); lines are split on CRLF only, a leading dot is
// removed; a bare LF is data (never a line start) and is stored per the bare-LF policy.
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "smtp/data_decoder.hpp"

using namespace bounceback::smtp;
using bounceback::fuzz::Rng;

namespace {

struct Expected {
  bool done = false;
  std::size_t consumed = 0;
  std::string body;  // before the size bound
  bool bare_lf = false;
};

Expected reference(std::string_view in, BareLfPolicy policy) {
  Expected e;
  const std::string framed = "\r\n" + std::string(in);
  const auto marker = framed.find("\r\n.\r\n");
  std::string_view content = in;
  if (marker != std::string::npos) {
    e.done = true;
    e.consumed = marker + 3;                  // in `in`: up to and including ".\r\n"
    content = in.substr(0, e.consumed - 3);   // the lines before the marker, CRLF-terminated
  } else {
    e.consumed = in.size();
  }
  bool first = true;
  while (true) {
    const auto end = content.find("\r\n");
    std::string_view line = content.substr(0, end);
    if (!first) e.body += "\r\n";
    first = false;
    if (!line.empty() && line.front() == '.') line.remove_prefix(1);
    for (const char c : line) {
      if (c == '\n') {
        e.bare_lf = true;
        e.body += policy == BareLfPolicy::normalize ? "\r\n" : "\n";
      } else {
        e.body += c;
      }
    }
    if (end == std::string_view::npos) {
      // An unfinished ".\r" line: the decoder holds the CR until it sees whether LF follows.
      if (!e.done && line == "\r" && content.front() == '.') e.body.pop_back();
      break;
    }
    content.remove_prefix(end + 2);
  }
  return e;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  Rng rng(input);
  const auto policy = static_cast<BareLfPolicy>(rng.below(4));
  const std::uint64_t max_size = rng.one_in(2) ? rng.below(size + 8) : 35 * 1024 * 1024;

  DataDecoder d;
  d.reset(max_size, policy);
  std::size_t consumed = 0;
  for (const auto chunk : bounceback::fuzz::chunks(input, rng)) {
    if (d.done()) break;
    const std::size_t n = d.feed(chunk);
    FUZZ_CHECK(n <= chunk.size());
    FUZZ_CHECK(n == chunk.size() || d.done());  // short only at the end marker
    consumed += n;
  }

  const Expected e = reference(input, policy);
  FUZZ_CHECK(d.done() == e.done);
  FUZZ_CHECK(consumed == e.consumed);
  FUZZ_CHECK(d.bare_lf() == e.bare_lf);
  FUZZ_CHECK(d.size() == e.body.size());
  FUZZ_CHECK(d.oversize() == (e.body.size() > max_size));
  FUZZ_CHECK(d.body().size() <= max_size);  // never buffered past the bound
  if (!d.oversize()) FUZZ_CHECK(d.body() == e.body);
  if (policy == BareLfPolicy::normalize && !d.oversize())
    for (std::size_t i = 0; i < d.body().size(); ++i)
      if (d.body()[i] == '\n') FUZZ_CHECK(i > 0 && d.body()[i - 1] == '\r');

  // A reset decoder is as good as new.
  d.reset(max_size, policy);
  FUZZ_CHECK(!d.done() && d.size() == 0 && d.body().empty() && !d.bare_lf() && !d.oversize());
  return 0;
}
