// Entry point: parses the command line and runs the chosen verb.
#include <cstdio>

int main() {
  std::puts("bounceback: under construction");
  return 2;
}
