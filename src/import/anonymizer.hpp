// --anonymize: every address becomes a pseudonym, the same one each time it appears (in the
// rules' matchers and inside reply texts), "user-1@example.com"; domains are kept, or mapped
// (explicitly FROM=TO, or all of them to "domain-N.test").
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace bounceback::import {

class Anonymizer {
 public:
  // `map_all_domains`: domains not in `domain_map` become "domain-N.test" too.
  Anonymizer(std::vector<std::pair<std::string, std::string>> domain_map, bool map_all_domains);

  std::string address(std::string_view address);
  // `text` with every address in it replaced by its pseudonym.
  std::string text(std::string_view text);

 private:
  std::string domain(std::string_view domain);

  std::unordered_map<std::string, std::string> addresses_, domains_;
  bool map_all_ = false;
  std::size_t next_user_ = 1, next_domain_ = 1;
};

}  // namespace bounceback::import
