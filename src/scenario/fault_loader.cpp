// The fault keys of a [[rule]] (see fault_loader.hpp). The names of the malformed kinds come
// from the table in smtp/faults.cpp.
#include "scenario/fault_loader.hpp"

namespace bounceback::scenario {
namespace {

// A split piece pauses this long unless split_pause says otherwise: long enough that a client
// reads each piece on its own, even on a loaded machine.
constexpr std::chrono::milliseconds default_split_pause{100};
constexpr std::int64_t max_offset = 65535, max_pieces = 64;
constexpr std::int64_t max_line_length = 65536, max_shutdown_commands = 65535;

}  // namespace

bool read_drop(const toml::node& n, Rule& rule, const std::string& key, ErrorSink& errors) {
  if (const auto b = n.value<bool>()) {
    rule.drop = *b;
    return true;
  }
  if (const auto s = n.value<std::string>(); s && *s == "reset") {
    rule.drop = true;
    rule.fault.reset = true;
    return true;
  }
  errors.add(n.source(), key,
             "expected true (close with a FIN), \"reset\" (close with a TCP RST) or false, got " +
                 describe(n));
  return false;
}

bool read_split(const toml::node& n, Rule& rule, const std::string& key, ErrorSink& errors) {
  smtp::Cuts& cuts = rule.fault.cuts;
  rule.fault.pacing = smtp::Pacing::split;
  if (n.is_integer()) {
    const auto pieces = *n.value<std::int64_t>();
    if (pieces < 2 || pieces > max_pieces) {
      errors.add(n.source(), key,
                 "expected a number of pieces from 2 to " + std::to_string(max_pieces) + ", got " +
                     std::to_string(pieces));
      return false;
    }
    cuts.pieces = true;
    cuts.count = static_cast<std::uint8_t>(pieces);
    return true;
  }
  const auto* arr = n.as_array();
  if (!arr || arr->empty() || arr->size() > smtp::Cuts::max) {
    errors.add(n.source(), key,
               "expected byte offsets like [3, 10] (1 to " + std::to_string(smtp::Cuts::max) +
                   " of them) or a number of pieces like 4, got " + describe(n));
    return false;
  }
  std::int64_t last = 0;
  for (const auto& item : *arr) {
    const auto at = item.value<std::int64_t>();
    if (!item.is_integer() || *at <= last || *at > max_offset) {
      errors.add(item.source(), key,
                 "expected ascending byte offsets from 1 to " + std::to_string(max_offset) +
                     ", got " + describe(item) +
                     (item.is_integer() ? " " + std::to_string(*at) : std::string()));
      return false;
    }
    cuts.at[cuts.count++] = static_cast<std::uint16_t>(*at);
    last = *at;
  }
  return true;
}

bool read_split_pause(const toml::node& n, Rule& rule, const std::string& key, ErrorSink& errors) {
  const auto d = read_duration(n, key, errors);
  if (d) rule.fault.pause = *d;
  return d.has_value();
}

bool read_line_pause(const toml::node& n, Rule& rule, const std::string& key, ErrorSink& errors) {
  const auto d = read_duration(n, key, errors);
  if (!d) return false;
  if (d->count() == 0) {
    errors.add(n.source(), key, "must be longer than 0s");
    return false;
  }
  rule.fault.pacing = smtp::Pacing::line_pause;
  rule.fault.pause = *d;
  return true;
}

bool read_malformed(const toml::node& n, Rule& rule, const std::string& key, ErrorSink& errors) {
  const auto name = read_string(n, key, errors);
  if (!name) return false;
  const auto kind = smtp::parse_malformed(*name);
  if (!kind) {
    errors.add(n.source(), key,
               "expected one of " + smtp::malformed_names() + ", got \"" + *name + "\"");
    return false;
  }
  rule.fault.malformed = *kind;
  return true;
}

bool read_line_length(const toml::node& n, Rule& rule, const std::string& key, ErrorSink& errors) {
  const auto length = read_integer(n, key, 513, errors);
  if (!length) return false;
  if (*length > max_line_length) {
    errors.add(n.source(), key, "at most " + std::to_string(max_line_length) + " octets");
    return false;
  }
  rule.fault.line_length = static_cast<std::uint32_t>(*length);
  return true;
}

bool read_shutdown_after(const toml::node& n, Rule& rule, const std::string& key,
                         ErrorSink& errors) {
  if (n.is_integer()) {
    const auto commands = *n.value<std::int64_t>();
    if (commands < 1 || commands > max_shutdown_commands) {
      errors.add(n.source(), key,
                 "expected a number of commands from 1 to " +
                     std::to_string(max_shutdown_commands) + ", or a duration like \"30s\"");
      return false;
    }
    rule.fault.shutdown_commands = static_cast<std::uint16_t>(commands);
    return true;
  }
  if (!n.is_string()) {
    errors.add(
        n.source(), key,
        "expected a number of commands like 3 or a duration like \"30s\", got " + describe(n));
    return false;
  }
  const auto d = read_duration(n, key, errors);
  if (!d) return false;
  if (d->count() == 0) {
    errors.add(n.source(), key, "must be longer than 0s");
    return false;
  }
  rule.fault.shutdown_in = *d;
  return true;
}

void finish_faults(Rule& rule, const toml::table& t, const std::string& where, ErrorSink& errors) {
  smtp::Fault& f = rule.fault;
  const bool split = t.contains("split"), line_pause = t.contains("line_pause");
  if (split && !t.contains("split_pause")) f.pause = default_split_pause;
  if ((split ? 1 : 0) + (line_pause ? 1 : 0) + (rule.drip.count() > 0 ? 1 : 0) > 1)
    errors.add(t.source(), where, "choose one of drip, split and line_pause");
  if (t.contains("split_pause") && !split)
    errors.add(t.source(), where + ".split_pause", "goes with split");
  if (t.contains("line_length") && f.malformed != smtp::Malformed::long_line)
    errors.add(t.source(), where + ".line_length", "goes with malformed = \"long_line\"");
  if (rule.drop || rule.hang) {
    // No reply is sent and the connection ends: nothing to spoil, cut or shut down.
    for (const char* key : {"split", "line_pause", "malformed", "shutdown_after"})
      if (t.contains(key))
        errors.add(t.source(), where + "." + key,
                   std::string("is never used with ") + (rule.drop ? "drop" : "hang"));
  }
}

}  // namespace bounceback::scenario
