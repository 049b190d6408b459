// A linear scan for URL schemes; no HTML parser (an href is found by its URL like any text).
#include "scenario/message_links.hpp"

#include <algorithm>
#include <cctype>

#include "smtp/command.hpp"

namespace bounceback::scenario {
namespace {

constexpr std::string_view schemes[] = {"https://", "http://", "mailto:"};

bool ends_url(char c) {
  const auto b = static_cast<unsigned char>(c);
  return b <= 0x20 || b == 0x7f || c == '"' || c == '\'' || c == '<' || c == '>' || c == '`';
}

std::size_t scheme_at(std::string_view s, std::size_t i) {
  for (const auto scheme : schemes)
    if (s.size() - i > scheme.size() && smtp::iequals(s.substr(i, scheme.size()), scheme))
      return scheme.size();
  return 0;
}

void scan(std::string_view s, bool html, const LinkBounds& bounds, std::vector<std::string>& out,
          bool& complete) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto next = s.find_first_of("hHmM", i);
    if (next == std::string_view::npos) return;
    i = next;
    const std::size_t scheme = scheme_at(s, i);
    // A scheme in the middle of a word ("xhttp://") is not the start of a link.
    const bool starts = i == 0 || !std::isalnum(static_cast<unsigned char>(s[i - 1]));
    if (scheme == 0 || !starts) {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < s.size() && !ends_url(s[end])) ++end;
    std::string_view url = s.substr(i, end - i);
    i = end;
    while (!url.empty() && std::string_view(".,;:!?)").find(url.back()) != std::string_view::npos)
      url.remove_suffix(1);
    if (url.size() <= scheme) continue;
    std::string link;
    if (html) {
      for (std::size_t k = 0; k < url.size(); ++k) {
        if (url.substr(k, 5) == "&amp;") {
          link += '&';
          k += 4;
        } else {
          link += url[k];
        }
      }
    } else {
      link = std::string(url);
    }
    if (link.size() > bounds.max_length) {
      complete = false;
      continue;
    }
    if (std::find(out.begin(), out.end(), link) != out.end()) continue;
    if (out.size() >= bounds.max_links) {
      complete = false;
      return;
    }
    out.push_back(std::move(link));
  }
}

}  // namespace

std::vector<std::string> message_links(std::string_view text, std::string_view html,
                                       const LinkBounds& bounds, bool& complete) {
  std::vector<std::string> out;
  complete = true;
  scan(text, false, bounds, out, complete);
  scan(html, true, bounds, out, complete);
  return out;
}

}  // namespace bounceback::scenario
