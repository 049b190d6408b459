// The first and last lines of a transcript within a budget (transcript_excerpt.hpp).
#include "api/transcript_excerpt.hpp"

#include <algorithm>

namespace bounceback::api {

std::size_t transcript_line_json_bytes(const store::TranscriptLine& line) {
  // {"at":"2024-05-01T12:34:56.789012Z","dir":"out","line":""}, with a comma: 64 at most.
  std::size_t bytes = 64;
  for (const char c : line.text) {
    const auto u = static_cast<unsigned char>(c);
    bytes += u < 0x20 ? 6 : (c == '"' || c == '\\') ? 2 : 1;  // \u001b, \", \\ as escaped
  }
  return bytes;
}

bool shorten_transcript(store::SessionView& view, std::size_t budget) {
  auto& lines = view.transcript;
  const std::size_t n = lines.size();
  std::size_t total = 0;
  for (const auto& l : lines) total += transcript_line_json_bytes(l);
  if (total <= budget) return false;
  // The log's own gap lies before index `gap`: the head is taken only before it and the tail
  // only after it, so what is cut here and the log's gap are one run of missing lines.
  const std::size_t gap = view.elided ? std::min(view.elided->after, n) : n;
  std::size_t head = 0, used = 0;
  while (head < gap && used + transcript_line_json_bytes(lines[head]) <= budget / 2)
    used += transcript_line_json_bytes(lines[head++]);
  const std::size_t tail_floor = view.elided ? gap : head;
  std::size_t tail = 0;
  while (n - tail > tail_floor && used + transcript_line_json_bytes(lines[n - tail - 1]) <= budget)
    used += transcript_line_json_bytes(lines[n - ++tail]);
  store::Elision cut = view.elided.value_or(store::Elision{});
  cut.after = head;
  for (std::size_t i = head; i < n - tail; ++i) {
    cut.bytes += lines[i].text.size();
    ++cut.lines;
    ++view.dropped_lines;
  }
  lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(head),
              lines.begin() + static_cast<std::ptrdiff_t>(n - tail));
  view.elided = cut;
  return true;
}

}  // namespace bounceback::api
