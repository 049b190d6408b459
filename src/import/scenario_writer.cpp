// Writing the imported model as a scenario TOML (see scenario_writer.hpp).
#include "import/scenario_writer.hpp"

#include <algorithm>
#include <set>
#include <sstream>

#include "smtp/reply.hpp"

namespace bounceback::import {
namespace {

// The length of the valid UTF-8 sequence at s[i] (RFC 3629 §4: no overlongs, no surrogates,
// nothing past U+10FFFF), or 0: toml++ refuses a file with anything else.
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto at = [&](std::size_t k) {
    return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0u;
  };
  const unsigned c = at(0);
  const auto cont = [&](std::size_t k, unsigned lo = 0x80, unsigned hi = 0xbf) {
    return at(k) >= lo && at(k) <= hi;
  };
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c == 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if (c == 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (c >= 0xe1 && c <= 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (c == 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (c >= 0xf1 && c <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c == 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

// Text for a comment: valid UTF-8 without control characters (a comment ends at a line
// break, and TOML refuses control characters in it), anything else '?'.
std::string safe(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const auto n = utf8_length(s, i);
      out += n ? s.substr(i, n) : "?";
      i += n ? n - 1 : 0;
    } else {
      out += c < 0x20 || c == 0x7f ? '?' : static_cast<char>(c);
    }
  }
  return out;
}

// A TOML basic string of `s` whose `{` are doubled (reply templates read `{x}` as a
// placeholder); invalid UTF-8 and control characters become '?', so the file always parses.
std::string quoted(std::string_view s, bool template_text) {
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const auto n = utf8_length(s, i);
      out += n ? s.substr(i, n) : "?";
      i += n ? n - 1 : 0;
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\t':
        out += "\\t";
        break;
      case '{':
        out += template_text ? "{{" : "{";
        break;
      default:
        if (c < 0x20 || c == 0x7f)
          out += '?';
        else
          out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

// Why a reply cannot be a rule's reply (the loader's rules), or "".
std::string unusable(const std::vector<std::string>& lines) {
  smtp::Reply r;
  std::string wire;  // joined as the loader joins an array's lines
  for (const auto& l : lines) wire += (wire.empty() ? "" : "\n") + l;
  if (!smtp::parse_reply(wire, r)) return "not a reply";
  if (r.code < 400) return "not a refusal";
  if (!r.enhanced.empty() && r.enhanced[0] != std::to_string(r.code)[0])
    return "its enhanced code's class disagrees with its code";
  return {};
}

// A `rcpt`/`from` matcher matching `address` exactly: a glob, or a regex when the address
// holds glob wildcards.
std::string matcher(std::string_view raw) {
  const std::string address = safe(raw);  // what cannot be written is a '?', matched literally
  if (address.find_first_of("*?") == std::string::npos) return quoted(address, false);
  std::string re = "re:(?i)^";
  for (const char c : address) {
    if (std::string_view("\\.+*?()|[]{}^$").find(c) != std::string_view::npos) re += '\\';
    re += c;
  }
  return quoted(re + "$", false);
}

std::string where(const std::vector<const Attempt*>& run) {
  std::string out;
  std::size_t shown = 0;
  for (const auto* a : run) {
    if (shown == 4) {
      out += ", ...";
      break;
    }
    if (!out.empty()) out += ", ";
    out += safe(a->source.file) + ":" + std::to_string(a->source.line);
    ++shown;
  }
  return out;
}

// The reply lines as they will be written: what TOML cannot hold as '?', and with
// --anonymize the addresses of each line's text (after its "550-") replaced.
std::vector<std::string> final_lines(const std::vector<std::string>& lines, Anonymizer* anon) {
  std::vector<std::string> out;
  for (const auto& l : lines) {
    const std::size_t head = std::min<std::size_t>(l.size(), 4);
    out.push_back(safe(l.substr(0, head) + (anon ? anon->text(l.substr(head)) : l.substr(head))));
  }
  return out;
}

void write_reply(std::ostream& out, const std::vector<std::string>& lines) {
  if (lines.size() == 1) {
    out << "reply = " << quoted(lines.front(), true) << '\n';
    return;
  }
  out << "reply = [";
  for (std::size_t i = 0; i < lines.size(); ++i)
    out << (i ? ",\n         " : "") << quoted(lines[i], true);
  out << "]\n";
}

bool before_rcpt(Stage s) {
  return s == Stage::connect || s == Stage::helo || s == Stage::mail;
}

std::string describe(const Attempt& a) {
  if (a.delivered()) return "delivered";
  const std::string what = a.fault == Fault::drop   ? "dropped"
                           : a.fault == Fault::hang ? "no answer"
                                                    : a.lines.back().substr(0, 3);
  return what + " at " + std::string(to_string(a.stage));
}

bool same_outcome(const Attempt& a, const Attempt& b) {
  return a.stage == b.stage && a.fault == b.fault && a.lines == b.lines;
}

// The rule's action: `drop`/`hang` for a fault, else its reply. False (and a comment) for a
// reply the loader would refuse.
bool write_action(std::ostream& out, const Attempt& a, Anonymizer* anon, const std::string& head,
                  const std::string& matchers) {
  std::vector<std::string> lines;
  if (a.fault == Fault::none) {
    lines = final_lines(a.lines, anon);
    if (const auto why = unusable(lines); !why.empty()) {
      out << "# left out, " << why << ": " << head << '\n';
      return false;
    }
  }
  out << "[[rule]]  # " << head << (a.reconstructed ? " (reply made from its status code)" : "")
      << '\n'
      << "on = \"" << to_string(a.stage) << "\"\n"
      << matchers;
  if (a.fault == Fault::drop)
    out << "drop = true  # the connection was closed: no reply\n";
  else if (a.fault == Fault::hang)
    out << "hang = true  # no reply: the client timed out\n";
  else
    write_reply(out, lines);
  return true;
}

}  // namespace

std::string write_scenario(const Model& model, const WriteOptions& o) {
  std::ostringstream out;
  Anonymizer* anon = o.anonymizer;
  std::string inputs;
  for (const auto& i : o.inputs) inputs += (inputs.empty() ? "" : ", ") + i;
  out << "# Imported by `bounceback import` from " << (inputs.empty() ? "(none)" : safe(inputs))
      << ": " << model.recipients().size() << " recipient(s), " << model.attempts()
      << " attempt(s).\n"
      << "# Each recipient's replies in the order seen, as `attempts` ranges (counted per sender\n"
      << "# and recipient at RCPT); each rule's comment says where its replies were read.\n"
      << "name = " << quoted(o.name, false) << '\n'
      << "description = "
      << quoted("Replies seen in " + (inputs.empty() ? std::string("(none)") : inputs), false)
      << '\n';

  // One reporting host for every reply: the server takes its name.
  std::set<std::string> hosts;
  for (const auto& r : model.recipients())
    for (const auto& a : r.attempts)
      if (!a.host.empty()) hosts.insert(lower(a.host));
  if (hosts.size() == 1 && hosts.begin()->find_first_of(" \t\"") == std::string::npos)
    out << "\n[server]\nhostname = " << quoted(*hosts.begin(), false)
        << "  # every reply came from this host\n";

  // Refusals before RCPT (the banner, HELO, MAIL) are not counted per recipient: a rule holds
  // for every attempt. One rule per distinct outcome (per sender at MAIL), written only when
  // it was the recipient's last: one seen before a later pass cannot be scripted so.
  std::set<std::string> written;
  for (const auto& r : model.recipients()) {
    for (std::size_t i = 0; i < r.attempts.size(); ++i) {
      const Attempt& a = r.attempts[i];
      if (a.delivered() || !before_rcpt(a.stage)) continue;
      const std::string from = a.stage == Stage::mail ? r.from : std::string{};
      std::string key = std::string(to_string(a.stage)) + '\n' + lower(from) + '\n' +
                        std::to_string(static_cast<int>(a.fault));
      for (const auto& l : a.lines) key += '\n' + l;
      const std::string head = safe(a.source.file) + ":" + std::to_string(a.source.line);
      if (i + 1 < r.attempts.size()) {
        out << "\n# left out, " << describe(a) << " then a later attempt went further: " << head
            << '\n';
        continue;
      }
      if (!written.insert(key).second) continue;
      out << '\n';
      write_action(out, a, anon, head,
                   from.empty() ? std::string{}
                                : "from = " + matcher(anon ? anon->address(from) : from) + "\n");
    }
  }

  std::size_t only_delivered = 0;
  for (const auto& r : model.recipients()) {
    // The attempts that reached RCPT, numbered as the engine counts them.
    std::vector<const Attempt*> counted;
    for (const auto& a : r.attempts)
      if (a.delivered() || !before_rcpt(a.stage)) counted.push_back(&a);
    if (counted.empty() || r.address.empty()) continue;
    bool refused = false;
    for (const auto* a : counted) refused = refused || !a->delivered();
    if (!refused) {  // nothing to reproduce: the server accepts by default
      ++only_delivered;
      continue;
    }
    const std::string address = anon ? anon->address(r.address) : r.address;
    std::string story;
    for (std::size_t i = 0; i < counted.size(); ++i) {
      if (i == 6) {
        story += ", ...";
        break;
      }
      story += (i ? ", " : "") + describe(*counted[i]);
    }
    out << "\n# " << safe(address) << ": " << safe(story) << '\n';
    for (std::size_t i = 0; i < counted.size();) {
      std::size_t j = i + 1;
      while (j < counted.size() && same_outcome(*counted[j], *counted[i])) ++j;
      const Attempt& a = *counted[i];
      if (!a.delivered()) {
        std::vector<const Attempt*> run(counted.begin() + static_cast<std::ptrdiff_t>(i),
                                        counted.begin() + static_cast<std::ptrdiff_t>(j));
        // The last run holds for every later attempt: the outcome seen last stays.
        const std::string range = j == counted.size() ? std::to_string(i + 1) + "-"
                                  : j == i + 1        ? std::to_string(i + 1)
                                               : std::to_string(i + 1) + "-" + std::to_string(j);
        write_action(out, a, anon, where(run),
                     "rcpt = " + matcher(address) + "\nattempts = \"" + range + "\"\n");
      }
      i = j;
    }
  }
  if (only_delivered)
    out << "\n# " << only_delivered
        << " other recipient(s) were only delivered: the server accepts them by default.\n";
  return out.str();
}

}  // namespace bounceback::import
