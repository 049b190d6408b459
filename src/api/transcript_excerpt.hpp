// A session's transcript as a list shows it: its first and last lines within a byte budget,
// so a page of 100 sessions stays a few megabytes however long they ran; /sessions/{id}
// shows the whole transcript the log kept (docs/api.md, "Sessions").
#pragma once

#include <cstddef>

#include "store/session_log.hpp"

namespace bounceback::api {

// The bytes one line costs in the JSON of a transcript: its text as escaped, and the "at",
// "dir" and "line" members around it (an upper bound).
std::size_t transcript_line_json_bytes(const store::TranscriptLine& line);

// Keeps the first lines of `view`'s transcript within half of `budget` and its last ones within
// the rest, and counts the lines left out in `elided` (merged with the gap the log already
// made, which the cut always covers) and `dropped_lines`. False when it all fits: untouched.
bool shorten_transcript(store::SessionView& view, std::size_t budget);

}  // namespace bounceback::api
