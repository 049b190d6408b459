// The scenario `bounceback import` and the export route print: per recipient, its replies in
// the order seen as rules with `attempts` ranges at the stage each came (a run of 451s then a
// pass is attempts = "1-2"; a last refusal holds for every later attempt, "3-"), multi-line
// texts line for line, the reporting host as [server] hostname when there was one, and a
// comment on each rule saying where its replies were read.
#pragma once

#include <string>
#include <vector>

#include "import/anonymizer.hpp"
#include "import/model.hpp"

namespace bounceback::import {

struct WriteOptions {
  std::string name = "imported";
  std::vector<std::string> inputs;   // the files read, for the header comment
  Anonymizer* anonymizer = nullptr;  // --anonymize
};

std::string write_scenario(const Model& model, const WriteOptions& options);

}  // namespace bounceback::import
