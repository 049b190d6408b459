// Entry point: picks the verb and hands over; all wiring lives in app/.
// --help / -h anywhere on the line prints the verb's usage; --version prints the version.
#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include "app/options.hpp"
#include "app/verbs.hpp"

int main(int argc, char** argv) {
  using namespace bounceback::app;
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string name = "serve";
  if (!args.empty() && !args.front().starts_with("-")) {
    name = args.front();
    args.erase(args.begin());
  }
  const Verb* verb = find_verb(name);
  if (!verb) {
    std::cerr << "bounceback: unknown verb '" << name << "'\n" << usage();
    return 2;
  }
  const auto given = [&](std::string_view flag) {
    return std::find(args.begin(), args.end(), flag) != args.end();
  };
  if (given("--help") || given("-h")) {
    std::cout << verb->usage;
    return 0;
  }
  if (given("--version")) {
    std::cout << version_line() << '\n';
    return 0;
  }
  try {
    return verb->run(args);
  } catch (const UsageError& e) {
    std::cerr << "bounceback: " << e.what() << '\n';
    return 2;
  }
}
