// Bounceback's own JSON: GET /api/v1/sessions (or one session: its transcript, replayed
// command by command, pipelining included), GET /api/v1/attempts (the attempt log), one
// document or one per line (JSON Lines), fed line by line.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

#include "import/model.hpp"

namespace bounceback::import {

class JsonReader {
 public:
  JsonReader();
  ~JsonReader();
  JsonReader(const JsonReader&) = delete;
  JsonReader& operator=(const JsonReader&) = delete;

  // Returns false when the text is not JSON (the document so far is dropped and counted).
  bool line(std::string_view text, const Source& source, Model& model);
  // False when a document was left incomplete.
  bool finish();
  std::size_t added() const { return added_; }
  std::size_t documents() const { return documents_; }

 private:
  struct Parser;
  std::unique_ptr<Parser> parser_;
  Source start_;
  bool in_document_ = false;
  std::size_t added_ = 0, documents_ = 0, bytes_ = 0;
};

}  // namespace bounceback::import
