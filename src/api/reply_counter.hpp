// Counts the replies the server sends, by basic code, for /metrics: a Policy decorator around
// the scenario engine, so counting costs one relaxed atomic increment per reply.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "smtp/event.hpp"

namespace bounceback::api {

class ReplyCounter final : public smtp::Policy {
 public:
  explicit ReplyCounter(smtp::Policy& inner) : inner_(inner) {}

  smtp::Decision decide(const smtp::Event& event) override { return inner_.decide(event); }
  // Policy::replied is called for mail, rcpt, data and message: those replies are counted.
  void replied(const smtp::Event& event, std::string_view wire,
               const smtp::Decision& decision) override;

  // Replies sent with `code` (200..599); 0 for any other value.
  std::uint64_t count(unsigned code) const;

 private:
  smtp::Policy& inner_;
  std::array<std::atomic<std::uint64_t>, 600> by_code_{};
};

}  // namespace bounceback::api
