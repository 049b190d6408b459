// Fuzzes `bounceback import`'s readers and writer (src/import): the input, cut into lines, is
// read as one file; the scenario written from what was found, plain and anonymized.
// Invariants: no crash; every line counted; whatever the input, the scenario written loads
// with the scenario loader (what the CLI promises `bounceback check` accepts), and has a rule
// for each recipient that was refused.
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "import/importer.hpp"
#include "import/scenario_writer.hpp"
#include "scenario/loader.hpp"

using namespace bounceback;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  import::Model model;
  import::Importer importer(model);
  importer.begin("fuzz");
  std::size_t lines = 0;
  while (!in.empty()) {
    const auto nl = in.find('\n');
    importer.line(in.substr(0, nl));
    ++lines;
    in.remove_prefix(nl == std::string_view::npos ? in.size() : nl + 1);
  }
  importer.end();
  FUZZ_CHECK(importer.counts().lines == lines);
  FUZZ_CHECK(model.attempts() <= importer.counts().used + importer.counts().lines);

  import::Anonymizer anonymizer({{"example.test", "mapped.test"}}, true);
  for (import::Anonymizer* anon : {static_cast<import::Anonymizer*>(nullptr), &anonymizer}) {
    const std::string toml = import::write_scenario(model, {"fuzz", {"fuzz"}, anon});
    const auto loaded = scenario::load_scenario_text(toml, "fuzz.toml");
    if (!loaded.ok()) std::fprintf(stderr, "%s\n---\n%s\n", toml.c_str(), loaded.error_text().c_str());
    FUZZ_CHECK(loaded.ok());
  }
  return 0;
}
