// The option table rendered for people: serve's part of --help, and the Markdown table of
// docs/settings.md (a unit test compares the two, so the documentation cannot drift).
#include <sstream>

#include "app/options.hpp"

namespace bounceback::app {
namespace {

constexpr const char* verbs_usage = R"(Usage:
  bounceback [serve] [options]   run the SMTP test double in the foreground
  bounceback check FILE...       validate scenario files
  bounceback explain CODE        explain a reply code: 550, 5.1.1, "550 5.7.26"
  bounceback scenarios [NAME]    list the built-in scenarios, or print one's TOML
  bounceback import FILE...      turn mail logs, DSNs or session JSON into a scenario
  bounceback help [VERB]         this text, or one verb's usage (also: VERB --help)
  bounceback --version           print the version

serve options (also keys of a TOML file given with --config FILE):
)";

// "  --name ARG" then the help from column 28, wrapped at 100 columns.
void usage_line(std::ostream& out, const OptionDoc& doc) {
  constexpr std::size_t column = 28, width = 100;
  std::string head = "  --" + std::string(doc.name) + ' ' + std::string(doc.arg);
  std::string text(doc.help);
  if (!doc.default_text.empty()) text += " (default " + doc.default_text + ")";
  std::string line = head + std::string(head.size() < column ? column - head.size() : 2, ' ');
  std::istringstream words(text);
  std::string word;
  bool first = true;
  while (words >> word) {
    if (!first && line.size() + 1 + word.size() > width) {
      out << line << '\n';
      line = std::string(column, ' ') + word;
    } else {
      line += (first ? "" : " ") + word;
    }
    first = false;
  }
  out << line << '\n';
}

// Markdown table cells: a | would end the cell.
std::string cell(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

const char* usage() {
  static const std::string text = [] {
    std::ostringstream out;
    out << verbs_usage;
    std::string_view group;
    for (const auto& doc : option_docs()) {
      if (doc.group != group) {
        group = doc.group;
        out << ' ' << group << ":\n";
      }
      usage_line(out, doc);
    }
    return out.str();
  }();
  return text.c_str();
}

std::string settings_markdown() {
  std::ostringstream out;
  std::string_view group;
  for (const auto& doc : option_docs()) {
    if (doc.group != group) {
      if (!group.empty()) out << '\n';
      group = doc.group;
      out << "### " << group << "\n\n"
          << "| Option and config key | Default | Unit | What it sets or bounds |\n"
          << "|---|---|---|---|\n";
    }
    out << "| `--" << doc.name << ' ' << cell(doc.arg) << "` | "
        << (doc.default_text.empty() ? "none" : cell(doc.default_text)) << " | " << doc.unit
        << " | " << cell(doc.help) << " |\n";
  }
  return out.str();
}

}  // namespace bounceback::app
