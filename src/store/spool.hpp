// Durable copies of accepted messages as .eml files: written under a temporary name,
// fsynced, renamed into place, then the directory fsynced, so a crash after the 250 loses
// nothing and never leaves a half-written file under a final name.
#pragma once

#include <filesystem>
#include <string>

#include "smtp/message.hpp"

namespace bounceback::store {

class Spool {
 public:
  // Creates the directory if needed; throws std::runtime_error when it cannot be used.
  explicit Spool(std::filesystem::path dir);

  // Writes DIR/<queue_id>.eml (the exact accepted bytes) and DIR/<queue_id>.json (the
  // envelope); returns false on any I/O error.
  bool write(const smtp::AcceptedMessage& message);

  const std::filesystem::path& dir() const { return dir_; }

 private:
  bool write_file(const std::string& name, std::string_view bytes);

  std::filesystem::path dir_;
  int dir_fd_ = -1;

 public:
  ~Spool();
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;
};

}  // namespace bounceback::store
