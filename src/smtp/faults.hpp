// The MX's own faults a scenario rule may script (docs/scenarios.md, "Faults"): replies that
// are spoiled (malformed) or written in pieces, a 421 nobody asked for, a reset instead of a
// FIN. The Session decides them with the reply; the SessionDriver and the connection carry
// them out. A reply without a fault costs one test of `any()`.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bounceback::smtp {

// How a reply's bytes are spoiled (one row each in faults.cpp).
enum class Malformed : std::uint8_t {
  none,
  no_final_line,  // every line says "CODE-": the reply never ends
  mixed_codes,    // the last line's code differs from the first's (a one-line reply gets two)
  bare_lf,        // LF instead of CRLF
  long_line,      // the first line padded past 512 octets (RFC 5321 §4.5.3.1.5)
  no_text,        // the code alone: "250\r\n"
};

// How a reply reaches the wire, in pieces with a pause between them (one row each in
// faults.cpp). `whole`: one write.
enum class Pacing : std::uint8_t {
  whole,
  drip,        // one byte per piece (the `drip` action)
  split,       // cut at byte offsets, or into N pieces
  line_pause,  // one line per piece
};

// Where `split` cuts: byte offsets (ascending), or a number of pieces of about equal size.
struct Cuts {
  static constexpr std::size_t max = 8;
  std::array<std::uint16_t, max> at{};
  std::uint8_t count = 0;
  bool pieces = false;  // count is a number of pieces, not of offsets
};

// The faults of one rule (at most one of each family), as the Decision carries them.
struct Fault {
  Malformed malformed = Malformed::none;
  Pacing pacing = Pacing::whole;       // split or line_pause (drip has its own key)
  std::chrono::milliseconds pause{0};  // between the pieces of split and line_pause
  Cuts cuts;                           // split
  std::uint32_t line_length = 0;       // long_line: the padded line's octets with its CRLF
  bool reset = false;                  // drop = "reset": close with a TCP RST (SO_LINGER 0)
  // An unsolicited 421 4.3.2, then close: after the reply to the Nth command line counted
  // from this event's (its own included), or this long after this event (wall time).
  std::uint16_t shutdown_commands = 0;
  std::chrono::milliseconds shutdown_in{0};

  bool any() const {
    return malformed != Malformed::none || pacing != Pacing::whole || reset ||
           shutdown_commands != 0 || shutdown_in.count() != 0;
  }
};

inline constexpr std::uint32_t default_long_line = 1000;

// The names written in scenarios, for the loader and its messages.
std::optional<Malformed> parse_malformed(std::string_view name);
std::string malformed_names();  // "no_final_line, mixed_codes, ..."

// Appends `wire` (CRLF-terminated reply lines) spoiled as `fault` says to `out`.
void append_malformed(std::string_view wire, const Fault& fault, std::string& out);

// Where the piece of a paced reply that starts at `from` ends (`reply.size()` for the last).
std::size_t next_cut(Pacing pacing, const Cuts& cuts, std::string_view reply, std::size_t from);

}  // namespace bounceback::smtp
