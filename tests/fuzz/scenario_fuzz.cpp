// Fuzzes the scenario loader (scenario/loader.hpp) with TOML text. Invariants: it never
// throws or crashes; a result is either a scenario or at least one FILE:LINE:COL error; and
// a scenario that loads drives a whole SMTP conversation through the rule engine with
// well-formed replies only (CRLF lines, 3-digit codes, no client text breaking a line).
// And the nesting pre-scan never lets through text that toml++ builds deeper than its bound.
#include <toml++/toml.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fuzz_support.hpp"
#include "harness.hpp"
#include "scenario/engine.hpp"
#include "scenario/loader.hpp"
#include "scenario/toml_nesting.hpp"

using namespace bounceback;

namespace {

// The depth of toml++'s tree, walked with an explicit stack (the walk must not recurse).
std::size_t tree_depth(const toml::table& root) {
  std::size_t deepest = 0;
  std::vector<std::pair<const toml::node*, std::size_t>> todo{{&root, 0}};
  while (!todo.empty()) {
    const auto [node, depth] = todo.back();
    todo.pop_back();
    deepest = std::max(deepest, depth);
    if (const auto* t = node->as_table())
      for (const auto& [k, v] : *t) todo.emplace_back(&v, depth + 1);
    if (const auto* a = node->as_array())
      for (const auto& v : *a) todo.emplace_back(&v, depth + 1);
  }
  return deepest;
}

// What the scan lets through, toml++ builds at most this deep: the scan counts a header part
// as one level, though an array-of-tables part is two (the array and its last table).
void check_nesting_bound(std::string_view text) {
  const scenario::NestingLimits limits;
  if (scenario::find_excess_nesting(text, limits)) return;
  try {
    const toml::table root = toml::parse(text, std::string_view("fuzz.toml"));
    FUZZ_CHECK(tree_depth(root) <= limits.total_depth + limits.key_parts);
  } catch (const toml::parse_error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_nesting_bound(text);
  const auto result = scenario::load_scenario_text(text, "fuzz.toml");
  FUZZ_CHECK(result.ok() == result.errors.empty());
  for (const auto& e : result.errors) {
    FUZZ_CHECK(e.str().starts_with("fuzz.toml:"));
    FUZZ_CHECK(!e.message.empty());
  }
  if (!result.ok()) {
    FUZZ_CHECK(!result.error_text().empty());
    return 0;
  }

  auto clock = std::make_shared<scenario::ManualClock>();
  scenario::Settings small;
  small.greylist_entries = small.attempt_entries = small.quota_entries = small.rate_entries = 64;
  small.attempt_log_records = 64;
  scenario::Engine engine(clock, small);
  engine.set_scenario(result.scenario);
  // Client text that a reply template might echo: CR, NUL and a fake continuation line.
  static const char* const conversation[] = {
      "EHLO evil.example\r250-injected\x01",
      "MAIL FROM:<sender@example.test> SIZE=100",
      "RCPT TO:<user@example.test>",
      "RCPT TO:<550-5.1.1@reply.test>",
      "RCPT TO:<data-554-5.7.1@reply.test>",
      "DATA",
      "Subject: fuzz\r\nX-Spam: viagra\r\n\r\nbody\r\n.",
      "VRFY someone",
      "NOOP",
      "RSET",
      "BOGUS command",
      "QUIT",
  };
  for (int round = 0; round < 2; ++round) {  // twice: attempts, greylisting, quotas move on
    smtp::test::Harness h({}, {}, &engine);
    bounceback::fuzz::check_replies(h.start(), 1 << 20);
    for (const char* line : conversation) {
      if (h.stopped()) break;
      bounceback::fuzz::check_replies(h.line(line), 1 << 20);
      if (h.tls_pending) h.tls_started();
    }
    clock->advance(std::chrono::hours(1));
  }
  return 0;
}
