// For unit tests that hold a documentation page to what the code renders: read a file of the
// source tree, and take the generated part of a page between its two markers
// ("<!-- NAME table: begin -->" and "<!-- NAME table: end -->").
#pragma once

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>

namespace bounceback::test {

inline std::string read_source(const std::string& relative) {
  std::ifstream in(std::string(BOUNCEBACK_SOURCE_DIR) + "/" + relative, std::ios::binary);
  REQUIRE(in);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline std::string generated_part(const std::string& doc, const std::string& name) {
  const std::string begin = "<!-- " + name + " table: begin -->\n",
                    end = "<!-- " + name + " table: end -->";
  const auto b = doc.find(begin), e = doc.find(end);
  REQUIRE(b != std::string::npos);
  REQUIRE(e != std::string::npos);
  return doc.substr(b + begin.size(), e - b - begin.size());
}

}  // namespace bounceback::test
