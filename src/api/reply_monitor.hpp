// Watches the replies the server sends, as a Policy decorator around the scenario engine:
// counts them by basic code for /metrics (one relaxed atomic increment each), keeps every
// refusal, and every drop or hang, in the refusal log (GET /api/v1/refusals), while someone
// listens publishes them as "refusal" events and refused transactions as "message_rejected"
// events, and at info level logs one line per accepted message and per refused reply (as
// Mailpit does).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "smtp/event.hpp"
#include "store/event_feed.hpp"
#include "store/refusal_log.hpp"

namespace bounceback::api {

class ReplyMonitor final : public smtp::Policy {
 public:
  explicit ReplyMonitor(smtp::Policy& inner, store::EventFeed* feed = nullptr,
                        store::RefusalLog* refusals = nullptr)
      : inner_(inner), feed_(feed), refusals_(refusals) {}

  smtp::Decision decide(const smtp::Event& event) override { return inner_.decide(event); }
  // Policy::replied is called for mail, rcpt, data and message: those replies are counted.
  void replied(const smtp::Event& event, std::string_view wire,
               const smtp::Decision& decision) override;
  // The session's own refusals (syntax, sequence, limits, TLS/AUTH required) are counted,
  // published and logged the same way.
  void refused(const smtp::Event& event, std::string_view wire) override;
  // Every other refusal (AUTH's, an unknown command's, a line too long, a 421) is kept in the
  // refusal log only: the counters and log lines stay those of the transaction.
  void refused_other(const smtp::Event& event, std::string_view wire) override;
  // For the attempt log, passed on.
  void ended(const smtp::Event& event, smtp::Ending how, std::string_view wire) override {
    inner_.ended(event, how, wire);
  }
  void sent(const smtp::Event& event, smtp::Sent how) override { inner_.sent(event, how); }

  // Replies sent with `code` (200..599); 0 for any other value.
  std::uint64_t count(unsigned code) const;

 private:
  void observe(const smtp::Event& event, std::string_view wire);
  void publish_refusal(const smtp::Event& event, std::string_view wire);
  // Keeps a 4xx/5xx (or, `how` another outcome, no reply) in the refusal log, and publishes
  // it as a "refusal" event.
  void keep_refusal(const smtp::Event& event, std::string_view wire,
                    store::RefusalOutcome how = store::RefusalOutcome::reply);
  // Keeps a drop, reset or hang (no reply) in the refusal log, and publishes it.
  void keep_silence(const smtp::Event& event, const smtp::Decision& decision);

  smtp::Policy& inner_;
  store::EventFeed* feed_;
  store::RefusalLog* refusals_;
  std::array<std::atomic<std::uint64_t>, 600> by_code_{};
};

}  // namespace bounceback::api
