// Writing the imported model as a scenario TOML (see scenario_writer.hpp).
#include "import/scenario_writer.hpp"

#include <set>
#include <sstream>

#include "smtp/reply.hpp"

namespace bounceback::import {
namespace {

// A TOML basic string of `s` whose `{` are doubled (reply templates read `{x}` as a
// placeholder); invalid UTF-8 becomes '?', so the file always parses.
std::string quoted(std::string_view s, bool template_text) {
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {  // copy a valid UTF-8 sequence whole
      const std::size_t n = c >= 0xf0 && c < 0xf5 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
      bool ok = n > 0 && c < 0xf5 && i + n <= s.size();
      for (std::size_t k = 1; ok && k < n; ++k)
        ok = (static_cast<unsigned char>(s[i + k]) & 0xc0) == 0x80;
      if (ok) {
        out.append(s.substr(i, n));
        i += n - 1;
      } else {
        out += '?';
      }
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
  std::string wire;
  for (const auto& l : lines) wire += l + "\n";
  if (!smtp::parse_reply(wire, r)) return "not a reply";
  if (r.code < 400) return "not a refusal";
  if (!r.enhanced.empty() && r.enhanced[0] != std::to_string(r.code)[0])
    return "its enhanced code's class disagrees with its code";
  return {};
}

// A `rcpt`/`from` matcher matching `address` exactly: a glob, or a regex when the address
// holds glob wildcards.
std::string matcher(std::string_view address) {
  if (address.find_first_of("*?") == std::string_view::npos) return quoted(address, false);
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
    out += a->source.file + ":" + std::to_string(a->source.line);
    ++shown;
  }
  return out;
}

void write_reply(std::ostream& out, const std::vector<std::string>& lines, Anonymizer* anon) {
  const auto text = [&](const std::string& l) { return quoted(anon ? anon->text(l) : l, true); };
  if (lines.size() == 1) {
    out << "reply = " << text(lines.front()) << '\n';
    return;
  }
  out << "reply = [";
  for (std::size_t i = 0; i < lines.size(); ++i) out << (i ? ",\n         " : "") << text(lines[i]);
  out << "]\n";
}

bool before_rcpt(Stage s) {
  return s == Stage::connect || s == Stage::helo || s == Stage::mail;
}

std::string describe(const Attempt& a) {
  if (a.delivered()) return "delivered";
  return a.lines.back().substr(0, 3) + " at " + std::string(to_string(a.stage));
}

}  // namespace

std::string write_scenario(const Model& model, const WriteOptions& o) {
  std::ostringstream out;
  Anonymizer* anon = o.anonymizer;
  std::string inputs;
  for (const auto& i : o.inputs) inputs += (inputs.empty() ? "" : ", ") + i;
  out << "# Imported by `bounceback import` from " << (inputs.empty() ? "(none)" : inputs) << ": "
      << model.recipients().size() << " recipient(s), " << model.attempts() << " attempt(s).\n"
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

  // Refusals before RCPT (the banner, HELO, MAIL): not counted per recipient; one rule per
  // distinct reply (per sender at MAIL).
  std::set<std::string> written;
  for (const auto& r : model.recipients()) {
    for (const auto& a : r.attempts) {
      if (a.delivered() || !before_rcpt(a.stage)) continue;
      const std::string from = a.stage == Stage::mail ? r.from : std::string{};
      std::string key = std::string(to_string(a.stage)) + '\n' + lower(from);
      for (const auto& l : a.lines) key += '\n' + l;
      if (!written.insert(key).second) continue;
      if (const auto why = unusable(a.lines); !why.empty()) {
        out << "\n# left out, " << why << ": " << a.source.file << ':' << a.source.line << '\n';
        continue;
      }
      out << "\n[[rule]]  # " << a.source.file << ':' << a.source.line
          << (a.reconstructed ? " (reply made from its status code)" : "") << '\n'
          << "on = \"" << to_string(a.stage) << "\"\n";
      if (!from.empty()) out << "from = " << matcher(anon ? anon->address(from) : from) << '\n';
      write_reply(out, a.lines, anon);
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
    out << "\n# " << address << ": " << story << '\n';
    for (std::size_t i = 0; i < counted.size();) {
      std::size_t j = i + 1;
      while (j < counted.size() && counted[j]->stage == counted[i]->stage &&
             counted[j]->lines == counted[i]->lines)
        ++j;
      const Attempt& a = *counted[i];
      if (!a.delivered()) {
        std::vector<const Attempt*> run(counted.begin() + static_cast<std::ptrdiff_t>(i),
                                        counted.begin() + static_cast<std::ptrdiff_t>(j));
        // The last run holds for every later attempt: the outcome seen last stays.
        const std::string range = j == counted.size() ? std::to_string(i + 1) + "-"
                                  : j == i + 1        ? std::to_string(i + 1)
                                               : std::to_string(i + 1) + "-" + std::to_string(j);
        if (const auto why = unusable(a.lines); !why.empty()) {
          out << "# left out, " << why << ": attempts " << range << ", " << where(run) << '\n';
        } else {
          out << "[[rule]]  # " << where(run)
              << (a.reconstructed ? " (reply made from its status code)" : "") << '\n'
              << "on = \"" << to_string(a.stage) << "\"\n"
              << "rcpt = " << matcher(address) << '\n'
              << "attempts = \"" << range << "\"\n";
          write_reply(out, a.lines, anon);
        }
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
