// Reply counting by basic code.
#include "api/reply_counter.hpp"

namespace bounceback::api {

void ReplyCounter::replied(const smtp::Event& event, std::string_view wire,
                           const smtp::Decision& decision) {
  if (wire.size() >= 3 && wire[0] >= '2' && wire[0] <= '5' && wire[1] >= '0' && wire[1] <= '9' &&
      wire[2] >= '0' && wire[2] <= '9') {
    const unsigned code = (wire[0] - '0') * 100u + (wire[1] - '0') * 10u + (wire[2] - '0');
    by_code_[code].fetch_add(1, std::memory_order_relaxed);
  }
  inner_.replied(event, wire, decision);
}

std::uint64_t ReplyCounter::count(unsigned code) const {
  return code < by_code_.size() ? by_code_[code].load(std::memory_order_relaxed) : 0;
}

}  // namespace bounceback::api
