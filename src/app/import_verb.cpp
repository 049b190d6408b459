// `bounceback import`: reads each input line by line (a bounded line; a huge log is never held
// whole), prints the scenario, and checks it with the scenario loader before printing, so what
// it prints is what `bounceback check` accepts. Nothing in the input is executed or fetched.
#include "app/import_verb.hpp"

#include <fstream>
#include <iostream>

#include "app/options.hpp"
#include "import/importer.hpp"
#include "import/scenario_writer.hpp"
#include "scenario/loader.hpp"

namespace bounceback::app {

const char* const import_usage = R"(Usage: bounceback import [options] FILE...   (FILE "-" is stdin)
Reads mail logs (Postfix, Exim, Sendmail), DSN messages (.eml: RFC 3464, Gmail and Microsoft
reports) and Bounceback's own JSON (GET /api/v1/sessions, /sessions/ID, /attempts), and prints a
scenario whose rules give each recipient the replies it got, in the order seen, at the stage
they came. Lines of no known format are skipped and counted on stderr.
  -o FILE                 write the scenario to FILE instead of stdout
  --name NAME             the scenario's name (default "imported")
  --anonymize             replace every address by a pseudonym (the same one each time it
                          appears, in rules and reply texts); domains are kept
  --map-domain FROM=TO    with --anonymize, write domain FROM as TO (repeatable)
  --anonymize-domains     with --anonymize, write every other domain as domain-N.test
  --strict                exit 1 when a line or document of the input is not understood
Exits 0 with the scenario; 1 when no reply was found, or with --strict and skipped input; 2 on
bad usage or an unreadable file.
)";

namespace {

constexpr std::size_t max_line = 1 << 20;  // a longer line is cut (and its rest dropped)

struct ImportOptions {
  std::vector<std::string> files;
  std::string output, name = "imported";
  bool anonymize = false, anonymize_domains = false, strict = false;
  std::vector<std::pair<std::string, std::string>> domain_map;
};

ImportOptions parse(const std::vector<std::string>& args) {
  ImportOptions o;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) throw UsageError(a + " needs a value");
      return args[++i];
    };
    if (a == "-o" || a == "--output")
      o.output = value();
    else if (a == "--name")
      o.name = value();
    else if (a == "--anonymize")
      o.anonymize = true;
    else if (a == "--anonymize-domains")
      o.anonymize_domains = true;
    else if (a == "--strict")
      o.strict = true;
    else if (a == "--map-domain") {
      const std::string& m = value();
      const auto eq = m.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == m.size())
        throw UsageError("--map-domain takes FROM=TO, got '" + m + "'");
      o.domain_map.emplace_back(m.substr(0, eq), m.substr(eq + 1));
    } else if (a == "-" || !a.starts_with("-"))
      o.files.push_back(a);
    else
      throw UsageError("import: unknown option '" + a + "'");
  }
  if (o.files.empty()) throw UsageError("import needs at least one FILE (or - for stdin)");
  if ((o.anonymize_domains || !o.domain_map.empty()) && !o.anonymize)
    throw UsageError("--map-domain and --anonymize-domains go with --anonymize");
  return o;
}

// Feeds `in` to the importer one line at a time, each at most max_line bytes, reading blocks.
void feed(std::istream& in, import::Importer& importer) {
  std::string line, block(64 * 1024, '\0');
  bool open_line = false;
  while (in.read(block.data(), static_cast<std::streamsize>(block.size())) || in.gcount() > 0) {
    std::string_view data(block.data(), static_cast<std::size_t>(in.gcount()));
    while (!data.empty()) {
      const auto nl = data.find('\n');
      const auto piece = data.substr(0, nl);
      if (line.size() < max_line) line.append(piece.substr(0, max_line - line.size()));
      open_line = true;
      if (nl == std::string_view::npos) break;
      importer.line(line);
      line.clear();
      open_line = false;
      data.remove_prefix(nl + 1);
    }
  }
  if (open_line) importer.line(line);
}

}  // namespace

int run_import(const std::vector<std::string>& args) {
  const ImportOptions o = parse(args);
  import::Model model;
  import::Importer importer(model);
  for (const auto& file : o.files) {
    if (file == "-") {
      importer.begin("stdin");
      feed(std::cin, importer);
    } else {
      std::ifstream in(file, std::ios::binary);
      if (!in) {
        std::cerr << "bounceback: cannot read " << file << '\n';
        return 2;
      }
      importer.begin(file);
      feed(in, importer);
    }
    importer.end();
  }

  import::Anonymizer anonymizer(o.domain_map, o.anonymize_domains);
  import::WriteOptions w;
  w.name = o.name;
  for (std::size_t i = 0; i < o.files.size(); ++i)
    w.inputs.push_back((o.files[i] == "-" ? std::string("stdin") : o.files[i]) +
                       (i < importer.formats().size() ? " (" + importer.formats()[i] + ")" : ""));
  if (o.anonymize) w.anonymizer = &anonymizer;
  const std::string toml = import::write_scenario(model, w);

  const auto& n = importer.counts();
  std::cerr << "bounceback import: " << n.lines << " lines read; " << model.attempts()
            << " attempts of " << model.recipients().size() << " recipients imported";
  if (n.no_reply) std::cerr << "; " << n.no_reply << " attempts without a remote reply";
  if (model.dropped()) std::cerr << "; " << model.dropped() << " attempts past the bounds dropped";
  std::cerr << "; " << n.skipped << " lines skipped (unknown format or garbage)\n";
  for (const auto& s : importer.skipped_samples()) std::cerr << "  skipped " << s << '\n';

  // What is printed must load: a failure here is a bug of the writer, said as such.
  const auto loaded = scenario::load_scenario_text(toml, o.output.empty() ? "stdout" : o.output);
  if (!loaded.ok()) {
    std::cerr << "bounceback: the imported scenario does not load (a bug, please report it):\n"
              << loaded.error_text() << '\n';
    return 1;
  }
  if (o.output.empty()) {
    std::cout << toml;
  } else {
    std::ofstream out(o.output, std::ios::binary | std::ios::trunc);
    if (!(out << toml) || !out.flush()) {
      std::cerr << "bounceback: cannot write " << o.output << '\n';
      return 2;
    }
  }
  if (o.strict && n.skipped) {
    std::cerr << "bounceback: --strict: " << n.skipped << " lines of the input not understood\n";
    return 1;
  }
  if (model.attempts() == 0) {
    std::cerr << "bounceback: no reply found to import\n";
    return 1;
  }
  return 0;
}

}  // namespace bounceback::app
