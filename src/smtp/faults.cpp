// The fault tables (see faults.hpp): one row per way of spoiling a reply, one per way of
// cutting it into writes. The loader reads the names here; the Session and the SessionDriver
// call the rows.
#include "smtp/faults.hpp"

#include <algorithm>

namespace bounceback::smtp {
namespace {

// Calls f(line) for each line of `wire`, without its line end.
template <class F>
void for_each_line(std::string_view wire, F f) {
  while (!wire.empty()) {
    const auto nl = wire.find('\n');
    std::string_view line = wire.substr(0, nl);
    wire = nl == std::string_view::npos ? std::string_view{} : wire.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    f(line, wire.empty());
  }
}

// "550-5.1.1 text" -> the text after the code and its separator ("5.1.1 text").
std::string_view after_code(std::string_view line) {
  return line.size() > 4 ? line.substr(4) : std::string_view{};
}

void no_final_line(std::string_view wire, const Fault&, std::string& out) {
  for_each_line(wire, [&](std::string_view line, bool) {
    out.append(line.substr(0, 3));
    out += '-';
    out.append(after_code(line));
    out += "\r\n";
  });
}

// The last line says another code of the same class and subject: 550 -> 551, 259 -> 250.
void mixed_codes(std::string_view wire, const Fault&, std::string& out) {
  std::size_t lines = 0;
  for_each_line(wire, [&](std::string_view, bool) { ++lines; });
  std::size_t n = 0;
  for_each_line(wire, [&](std::string_view line, bool) {
    ++n;
    const std::string_view code = line.substr(0, 3);
    if (lines == 1) {  // a one-line reply becomes two: the same text under both codes
      out.append(code);
      out += '-';
      out.append(after_code(line));
      out += "\r\n";
    }
    if (n == lines && code.size() == 3) {
      out.append(code.substr(0, 2));
      out += static_cast<char>('0' + (code[2] - '0' + 1) % 10);
      out.append(line.substr(3));
    } else {
      out.append(line);
    }
    out += "\r\n";
  });
}

void bare_lf(std::string_view wire, const Fault&, std::string& out) {
  for_each_line(wire, [&](std::string_view line, bool) {
    out.append(line);
    out += '\n';
  });
}

// The first line padded with 'x' to `line_length` octets, its CRLF included.
void long_line(std::string_view wire, const Fault& f, std::string& out) {
  const std::size_t length = f.line_length ? f.line_length : default_long_line;
  bool first = true;
  for_each_line(wire, [&](std::string_view line, bool) {
    out.append(line);
    if (first && line.size() + 2 < length) {
      out += ' ';
      out.append(length - 3 - line.size(), 'x');
    }
    first = false;
    out += "\r\n";
  });
}

void no_text(std::string_view wire, const Fault&, std::string& out) {
  out.append(wire.substr(0, std::min<std::size_t>(3, wire.find_first_of("\r\n -"))));
  out += "\r\n";
}

struct MalformedRow {
  std::string_view name;  // as written in scenarios: malformed = "bare_lf"
  Malformed kind;
  void (*rewrite)(std::string_view wire, const Fault& fault, std::string& out);
};

constexpr std::array<MalformedRow, 5> malformed_rows{{
    {"no_final_line", Malformed::no_final_line, no_final_line},
    {"mixed_codes", Malformed::mixed_codes, mixed_codes},
    {"bare_lf", Malformed::bare_lf, bare_lf},
    {"long_line", Malformed::long_line, long_line},
    {"no_text", Malformed::no_text, no_text},
}};

std::size_t whole(const Cuts&, std::string_view reply, std::size_t) {
  return reply.size();
}

std::size_t one_byte(const Cuts&, std::string_view, std::size_t from) {
  return from + 1;
}

std::size_t at_cuts(const Cuts& cuts, std::string_view reply, std::size_t from) {
  const std::size_t size = reply.size();
  if (cuts.pieces) {
    // Piece i ends at (i + 1) * size / count: the pieces differ by one byte at most.
    for (std::size_t i = 1; i < cuts.count; ++i)
      if (const std::size_t cut = i * size / cuts.count; cut > from) return cut;
    return size;
  }
  for (std::size_t i = 0; i < cuts.count; ++i)
    if (cuts.at[i] > from && cuts.at[i] < size) return cuts.at[i];
  return size;
}

std::size_t after_line(const Cuts&, std::string_view reply, std::size_t from) {
  const auto nl = reply.find('\n', from);
  return nl == std::string_view::npos ? reply.size() : nl + 1;
}

// Indexed by Pacing.
constexpr std::array<std::size_t (*)(const Cuts&, std::string_view, std::size_t), 4> pacing_rows{
    whole, one_byte, at_cuts, after_line};

}  // namespace

std::optional<Malformed> parse_malformed(std::string_view name) {
  for (const auto& row : malformed_rows)
    if (row.name == name) return row.kind;
  return std::nullopt;
}

std::string malformed_names() {
  std::string out;
  for (const auto& row : malformed_rows) out += (out.empty() ? "" : ", ") + std::string(row.name);
  return out;
}

void append_malformed(std::string_view wire, const Fault& fault, std::string& out) {
  for (const auto& row : malformed_rows)
    if (row.kind == fault.malformed) return row.rewrite(wire, fault, out);
  out.append(wire);
}

std::size_t next_cut(Pacing pacing, const Cuts& cuts, std::string_view reply, std::size_t from) {
  return std::min(reply.size(), pacing_rows[static_cast<std::size_t>(pacing)](cuts, reply, from));
}

}  // namespace bounceback::smtp
