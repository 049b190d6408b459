// `bounceback import`'s reading side: each input is fed line by line (so a huge log is never
// held whole), its format found from its first lines (a mail log of Postfix, Exim or Sendmail
// lines, a DSN message, or Bounceback's JSON), and what each line says added to the Model.
// Lines that say nothing the readers know are counted and a few of them remembered; nothing
// in the input is executed or fetched.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "import/model.hpp"

namespace bounceback::import {

struct Counts {
  std::size_t lines = 0;
  std::size_t used = 0;      // lines (or documents) that gave an attempt
  std::size_t no_reply = 0;  // attempts of a known format without a remote reply (timeouts...)
  std::size_t skipped = 0;   // lines of no known format, or a document that did not parse
};

class Importer {
 public:
  explicit Importer(Model& model);
  ~Importer();
  Importer(const Importer&) = delete;
  Importer& operator=(const Importer&) = delete;

  void begin(std::string name);  // a new input, named in the rules' comments
  void line(std::string_view text);
  void end();

  const Counts& counts() const { return counts_; }
  // The first skipped lines, "maillog:7: <text, cut at 120 bytes>", for --strict and stderr.
  const std::vector<std::string>& skipped_samples() const { return samples_; }
  // "postfix", "exim", "sendmail", "dsn", "json" for each input, in order.
  const std::vector<std::string>& formats() const { return formats_; }

 private:
  struct State;
  void log_line(std::string_view text);
  void skip(std::string_view text);

  Model& model_;
  std::unique_ptr<State> state_;
  Counts counts_;
  std::vector<std::string> samples_, formats_;
};

}  // namespace bounceback::import
