// Fuzzes the text body and header rules read: MIME decoding (scenario/message_text.hpp) and
// RFC 2047 encoded-words (scenario/encoded_words.hpp). Invariants: no crash, no unbounded
// output (at most twice the input, plus a line break per text part), a plain body is a view
// into the message, and text without "=?" decodes to itself.
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "scenario/encoded_words.hpp"
#include "scenario/message_text.hpp"

using namespace bounceback;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string storage;
  const auto text = scenario::message_text(in, storage);
  if (storage.empty() && !text.empty())
    FUZZ_CHECK(text.data() >= in.data() && text.data() + text.size() <= in.data() + in.size());
  FUZZ_CHECK(text.size() <= 2 * in.size() + 1000);
  const auto decoded = scenario::decode_encoded_words(in);
  FUZZ_CHECK(decoded.size() <= 2 * in.size());
  if (in.find("=?") == std::string_view::npos) FUZZ_CHECK(decoded == in);
  return 0;
}
