// serve, check, explain, scenarios, import (import_verb.cpp), help, version: thin wrappers over the
// wiring, the scenario loader and the catalogue, with the usage each prints for --help.
#include "app/verbs.hpp"

#include <array>
#include <iostream>

#include "app/app.hpp"
#include "app/import_verb.hpp"
#include "app/options.hpp"
#include "catalog/catalog.hpp"
#include "scenario/builtin.hpp"
#include "scenario/check.hpp"
#include "scenario/loader.hpp"
#include "version/version.hpp"

namespace bounceback::app {
namespace {

constexpr const char* check_usage = R"(Usage: bounceback check FILE...
Validates scenario files. Prints nothing and exits 0 when every file is valid; prints
FILE:LINE:COL: message for each problem and exits 1 when one is invalid; exits 2 when a file
cannot be read (the message says why).
)";

constexpr const char* explain_usage = R"(Usage: bounceback explain CODE
Explains a reply code, an enhanced status code, or both: 550, 5.1.1, "550 5.7.26"
or a whole pasted reply line, whose text is read only for a provider's marker ("421 4.7.0
[TSS04] ..." is Yahoo's deferral). Prints the class (temporary/permanent), the bounce
type, the meaning and what a sender should do; warns when the reply code and the enhanced
code disagree in class. Exits 1 when the code is not in the catalogue.
)";

constexpr const char* scenarios_usage = R"(Usage: bounceback scenarios [NAME]
Without NAME, lists the built-in scenarios with a one-line description. With NAME, prints
that scenario's TOML exactly, to copy and edit:
  bounceback scenarios greylisting > my-greylisting.toml
)";

constexpr const char* version_usage = R"(Usage: bounceback --version
Prints the version and, for a build from a git clone, its revision.
)";

int run_serve(const std::vector<std::string>& args) {
  return serve(parse_serve_options(args));
}

int run_check(const std::vector<std::string>& files) {
  if (files.empty()) {
    std::cerr << check_usage;
    return 2;
  }
  return scenario::check_files(files, std::cout);
}

int run_explain(const std::vector<std::string>& args) {
  std::string query;
  for (const auto& a : args) query += (query.empty() ? "" : " ") + a;
  if (query.empty()) {
    std::cerr << explain_usage;
    return 2;
  }
  const auto explanation = catalog::explain(query);
  if (!explanation) {
    std::cerr << "bounceback: '" << query << "' is not a reply code in the catalogue\n";
    return 1;
  }
  std::cout << catalog::render(*explanation);
  return 0;
}

int run_scenarios(const std::vector<std::string>& args) {
  if (args.size() > 1) {
    std::cerr << scenarios_usage;
    return 2;
  }
  if (args.size() == 1) {
    std::string error;
    const auto* text = scenario::builtin_text(args.front(), error);
    if (!text) {
      std::cerr << "bounceback: " << error << '\n';
      return 2;
    }
    std::cout << *text;
    return 0;
  }
  for (const auto& b : scenario::builtin_scenarios()) {
    const auto loaded = scenario::load_scenario_text(b.text, "builtin:" + std::string(b.name));
    std::cout << b.name;
    for (std::size_t i = b.name.size(); i < 18; ++i) std::cout << ' ';
    std::cout << (loaded.ok() ? loaded.scenario->description
                              : "(invalid: " + loaded.error_text() + ")")
              << '\n';
  }
  return 0;
}

int run_help(const std::vector<std::string>& args) {
  const Verb* verb = args.empty() ? nullptr : find_verb(args.front());
  std::cout << (verb ? verb->usage : usage());
  return 0;
}

int run_version(const std::vector<std::string>&) {
  std::cout << version_line() << '\n';
  return 0;
}

const std::array<Verb, 7> verbs{{
    {"serve", usage(), &run_serve},
    {"check", check_usage, &run_check},
    {"explain", explain_usage, &run_explain},
    {"scenarios", scenarios_usage, &run_scenarios},
    {"import", import_usage, &run_import},
    {"help", usage(), &run_help},
    {"version", version_usage, &run_version},
}};

}  // namespace

const Verb* find_verb(std::string_view name) {
  for (const auto& v : verbs)
    if (v.name == name) return &v;
  return nullptr;
}

std::string version_line() {
  return "bounceback " + version::text();
}

}  // namespace bounceback::app
