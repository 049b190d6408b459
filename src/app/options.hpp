// The serve options: one table of rows, each naming a field of the Settings tree, read from
// the command line ("--name VALUE") and from a TOML config file (--config; key "name").
// Errors throw UsageError (exit code 2).
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "app/settings.hpp"

namespace bounceback::app {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// One row of the option table as the user sees it (--help, docs/settings.md).
struct OptionDoc {
  std::string_view group;    // the heading it is listed under: "SMTP", "HTTP API", ...
  std::string_view name;     // "max-line": --max-line and the config key max-line
  std::string_view arg;      // the value's shape: N, SIZE, DUR, ADDR:PORT, on|off ...
  std::string_view unit;     // count, bytes, duration, text, list (repeatable), choice
  std::string_view help;     // what it sets or bounds, and why the default
  std::string default_text;  // empty: none
};

// Every serve option, in --help order, with its default read from a default Settings.
std::vector<OptionDoc> option_docs();

// Parses serve's arguments (without the verb). --config FILE is read where it appears;
// options after it override the file's.
Settings parse_serve_options(const std::vector<std::string>& args);

// The usage text for `bounceback --help`; its serve options come from the table.
const char* usage();

// The option table as the Markdown table of docs/settings.md.
std::string settings_markdown();

}  // namespace bounceback::app
