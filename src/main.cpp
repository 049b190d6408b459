// Entry point: picks the verb and hands over; all wiring lives in app/.
#include <iostream>
#include <string>
#include <vector>

#include "app/app.hpp"
#include "app/options.hpp"
#include "app/verbs.hpp"

int main(int argc, char** argv) {
  using namespace bounceback::app;
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string verb = "serve";
  if (!args.empty() && !args.front().starts_with("-")) {
    verb = args.front();
    args.erase(args.begin());
  }
  try {
    if (verb == "serve") {
      if (!args.empty() && (args.front() == "--help" || args.front() == "-h")) {
        std::cout << usage();
        return 0;
      }
      return serve(parse_serve_options(args));
    }
    if (verb == "check") return check(args);
    if (verb == "explain") return explain(args);
    if (verb == "scenarios") return list_scenarios();
    if (verb == "help") {
      std::cout << usage();
      return 0;
    }
    std::cerr << "bounceback: unknown verb '" << verb << "'\n" << usage();
    return 2;
  } catch (const UsageError& e) {
    std::cerr << "bounceback: " << e.what() << '\n';
    return 2;
  }
}
