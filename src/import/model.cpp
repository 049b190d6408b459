// The import model: recipients in first-seen order, attempts appended.
#include "import/model.hpp"

namespace bounceback::import {

std::string_view to_string(Stage s) {
  static constexpr std::string_view names[] = {"connect", "helo", "mail",
                                               "rcpt",    "data", "message"};
  return names[static_cast<std::size_t>(s)];
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

void Model::add(std::string_view rcpt, std::string_view from, Attempt attempt) {
  auto key = lower(rcpt);
  auto it = index_.find(key);
  if (it == index_.end()) {
    if (recipients_.size() >= max_recipients) {
      ++dropped_;
      return;
    }
    it = index_.emplace(std::move(key), recipients_.size()).first;
    recipients_.push_back({std::string(rcpt), {}, {}});
  }
  Recipient& r = recipients_[it->second];
  if (r.attempts.size() >= max_attempts) {
    ++dropped_;
    return;
  }
  if (r.from.empty()) r.from = from;
  r.attempts.push_back(std::move(attempt));
  ++attempts_;
}

}  // namespace bounceback::import
