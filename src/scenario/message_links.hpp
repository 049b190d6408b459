// The links of a message (http, https and mailto URLs in its text and HTML), so that a test can
// assert "the reset mail contains the link" without parsing MIME or HTML itself.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace bounceback::scenario {

struct LinkBounds {
  std::size_t max_links = 100;    // distinct links returned
  std::size_t max_length = 2048;  // bytes of one link; longer ones are left out
};

// Distinct URLs in order of first appearance, from `text` then `html`. A URL starts with
// `http://`, `https://` or `mailto:` (any case) and ends before whitespace, a quote, `<`, `>`
// or a control character; trailing `.,;:!?)` are not part of it (prose punctuation). In HTML,
// `&amp;` in a URL is `&`. Returns whether every link fitted (`complete`).
std::vector<std::string> message_links(std::string_view text, std::string_view html,
                                       const LinkBounds& bounds, bool& complete);

}  // namespace bounceback::scenario
