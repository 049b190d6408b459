// check, explain and scenarios: thin wrappers over the scenario loader and the catalogue.
#include "app/verbs.hpp"

#include <iostream>

#include "catalog/catalog.hpp"
#include "scenario/builtin.hpp"
#include "scenario/check.hpp"
#include "scenario/loader.hpp"

namespace bounceback::app {

int check(const std::vector<std::string>& files) {
  if (files.empty()) {
    std::cerr << "usage: bounceback check FILE...\n";
    return 2;
  }
  return scenario::check_files(files, std::cout);
}

int explain(const std::vector<std::string>& args) {
  std::string query;
  for (const auto& a : args) query += (query.empty() ? "" : " ") + a;
  if (query.empty()) {
    std::cerr << "usage: bounceback explain CODE   (550, 5.1.1 or \"550 5.7.26\")\n";
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

int list_scenarios() {
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

}  // namespace bounceback::app
