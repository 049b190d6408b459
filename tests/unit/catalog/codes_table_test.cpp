// The catalogue against its documentation: docs/codes.md holds the basic, enhanced and provider
// tables as rendered here from the catalogue's data, so a row added or reworded in the code
// shows in the docs (and a stale docs table fails, with the table to paste written out).
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "../doc_tables.hpp"
#include "catalog/catalog.hpp"

using namespace bounceback;

namespace {

std::string dash_if_empty(std::string_view s) {
  return s.empty() ? "—" : std::string(s);
}

std::string code_cell(std::string_view s) {
  return s.empty() ? "—" : "`" + std::string(s) + "`";
}

std::string basic_table() {
  std::string out = "| Code | Class | Bounce | Meaning | Standard reply |\n|---|---|---|---|---|\n";
  for (const auto& row : catalog::basic_codes()) {
    const bool reply = row.klass != "not_smtp";
    out += "| " + std::to_string(row.code) + " | " + std::string(row.klass) + " | " +
           (row.bounce == catalog::Bounce::none ? "—" : std::string(to_string(row.bounce))) +
           " | " + std::string(row.meaning) + " | " +
           code_cell(reply ? catalog::standard_reply(row.code).summary() : "") + " |\n";
  }
  return out;
}

std::string enhanced_table() {
  std::string out = "| Code | Meaning | Standard text |\n|---|---|---|\n";
  for (const auto& row : catalog::enhanced_codes())
    out += "| " + std::string(row.code) + (row.field_soft ? " ¹" : "") + " | " +
           std::string(row.meaning) + " | " + dash_if_empty(row.standard_text) + " |\n";
  return out;
}

std::string provider_table() {
  std::string out =
      "| Provider | Codes | Marker in the text | Bounce | Meaning |\n|---|---|---|---|---|\n";
  for (const auto& row : catalog::provider_replies()) {
    std::string markers;
    for (auto rest = row.markers; !rest.empty();) {
      const auto bar = rest.find('|');
      markers += (markers.empty() ? "`" : ", `") + std::string(rest.substr(0, bar)) + "`";
      rest = bar == std::string_view::npos ? std::string_view{} : rest.substr(bar + 1);
    }
    out += "| " + std::string(row.provider) + " | " + std::to_string(row.code) +
           (row.enhanced.empty() ? "" : " " + std::string(row.enhanced)) + " | " + markers + " | " +
           std::string(to_string(row.bounce)) + " | " + std::string(row.meaning) + " |\n";
  }
  return out;
}

}  // namespace

TEST_CASE("docs/codes.md holds the catalogue's tables as the code renders them",
          "[catalog][docs]") {
  const auto doc = test::read_source("docs/codes.md");
  using Part = std::pair<std::string, std::string>;
  const auto [name, expected] = GENERATE(table<std::string, std::string>(
      {Part{"basic codes", basic_table()}, Part{"enhanced codes", enhanced_table()},
       Part{"provider replies", provider_table()}}));
  CAPTURE(name);
  if (test::generated_part(doc, name) != expected) {
    // The table to paste between the markers, written where the test runs.
    const auto path = std::filesystem::absolute(name.substr(0, name.find(' ')) + "-table.md");
    std::ofstream(path, std::ios::binary) << expected;
    FAIL_CHECK("docs/codes.md's " << name << " table differs from the catalogue; it is in "
                                  << path);
  }
}
