// The queue of reactions to accepted messages (DSNs, auto-replies, complaint reports): bounded,
// ordered by when each is due on the scenario clock, kept across scenario swaps and emptied by
// POST /api/v1/scenario/reset. It holds no timer itself: `arm` asks the wiring to call
// run_due() after a wait (on the event loop, app.cpp), so this file needs no Asio.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "report/report.hpp"
#include "scenario/clock.hpp"
#include "scenario/reaction.hpp"
#include "smtp/message.hpp"
#include "store/message_store.hpp"

namespace bounceback::app {

class ReactionQueue final : public scenario::Reactor {
 public:
  // A reaction beyond this many pending is refused (counted, logged): with the original's
  // copy bounded by the returned-content bound, the queue holds at most ~50 MB.
  static constexpr std::size_t max_pending = 1000;
  // A delayed DSN's Will-Retry-Until: arrival plus Postfix's maximal_queue_lifetime.
  static constexpr std::chrono::hours retry_for{5 * 24};

  // `wait`: stored when it returns, even with --store-dir (the API's thread may wait for a
  // flush); else it may be stored later, once on disk (an event loop must not wait).
  using Deliver = std::function<void(smtp::AcceptedMessage&&, bool wait)>;
  using Arm = std::function<void()>;

  // `deliver` stores a generated message (and sends it on); `arm` asks the wiring to set its
  // timer to next_wait() (read there, so arms racing from several threads cannot leave it
  // late); both are called without the queue's lock held.
  ReactionQueue(std::shared_ptr<const scenario::Clock> clock, store::MessageStore& store,
                Deliver deliver, Arm arm);

  // Any thread: queues a message's reactions (its copy taken from the store).
  void react(const smtp::Event& message, scenario::ReactionPlan&& plan) override;
  // Generates and delivers every reaction due by the clock, then arms for the next one.
  void run_due(bool wait = false);
  // The clock moved forward (POST /api/v1/clock/advance): what is due now fires at once, on
  // the caller's thread (the API's), so the API answers once it is stored.
  void clock_moved() { run_due(true); }
  // Drops every pending reaction (POST /api/v1/scenario/reset).
  void clear();
  // How long until the first pending reaction is due (0 if it is); nullopt when none is.
  std::optional<std::chrono::milliseconds> next_wait() const;

  const scenario::ReactionCounters& counters() const { return counters_; }

 private:
  struct Original;  // the copy of the message reacted to, shared by its reactions
  struct Pending {
    scenario::ReactionKind kind = scenario::ReactionKind::dsn;
    report::Style style = report::Style::postfix;
    std::shared_ptr<const Original> original;
    struct Rcpt {
      std::size_t index = 0;  // into the original's recipients
      report::Action action = report::Action::failed;
      smtp::Reply reply;
    };
    std::vector<Rcpt> rcpts;  // a DSN's recipients; the one recipient of the others
    std::string subject, text, feedback_type;
  };
  using TimePoint = std::chrono::system_clock::time_point;

  // Generates the message of `p`, logs it and hands it to deliver_ (or counts it suppressed).
  void emit(const Pending& p, TimePoint now, bool wait);
  // The message, or nullopt when RFC 3834 §2 says not to answer.
  std::optional<smtp::AcceptedMessage> generate(const Pending& p, TimePoint now,
                                                std::uint64_t unique) const;

  std::shared_ptr<const scenario::Clock> clock_;
  store::MessageStore& store_;
  Deliver deliver_;
  Arm arm_;
  mutable std::mutex mutex_;
  std::multimap<TimePoint, Pending> queue_;
  std::atomic<std::uint64_t> next_unique_{0};
  scenario::ReactionCounters counters_;
};

}  // namespace bounceback::app
