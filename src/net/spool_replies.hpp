// The spool's answers for the sessions of one event loop: a message's own write (Reply) and
// the generated messages it caused (Connection::Generated). A writer thread finishes a
// group's messages one after the other; the first of them posts one handler to the loop,
// which wakes every waiter answered so far: a group costs the loop one wake-up (an eventfd
// write, an epoll round), not one per message. The other way, a session's message is queued
// at once but a writer is woken by one handler posted for the loop's round (submit): a futex
// wake per message let the woken writer preempt the loop with sessions still to serve, and
// took smaller groups (session 13: 1.6-1.8 context switches per message instead of 2.4-2.8,
// 5-6 messages per group instead of 3-4, less CPU per message). One per event loop; shared
// with the writes waiting, as a writer may finish one after the loop's thread has ended.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/execution_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstddef>
#include <memory>
#include <mutex>

#include "store/spool.hpp"

namespace bounceback::net {

class SpoolReplies : public std::enable_shared_from_this<SpoolReplies> {
 public:
  // A waiter. While queued it is in the answered list; `count` answers since its last wake,
  // handed over as `woken` when the loop takes the list (both under the mutex), then `wake`
  // runs on the loop's thread.
  struct Waiter {
    void (*wake)(Waiter& self) = nullptr;
    Waiter* ready_next = nullptr;
    bool queued = false;
    std::size_t count = 0;
    std::size_t woken = 0;  // the loop's
  };
  struct Reply : store::Spool::Write, Waiter {
    Reply() {
      wake = [](Waiter& w) {
        auto& r = static_cast<Reply&>(w);
        r.finished = true;
        r.timer->cancel();
      };
    }
    std::shared_ptr<SpoolReplies> replies;
    boost::asio::steady_timer* timer = nullptr;
    bool ok = false;        // written before answer(), read once woken
    bool finished = false;  // the loop's
  };

  explicit SpoolReplies(boost::asio::any_io_executor executor) : executor_(std::move(executor)) {}

  // The loop's, kept by a service of its io_context: it ends with the context, so a context
  // made later (an embedded server started again) never inherits a post that never ran.
  static const std::shared_ptr<SpoolReplies>& of(const boost::asio::any_io_executor& executor);

  // On any thread (a writer's): counts an answer for `waiter` and wakes it on the loop. The
  // waiter must stay until woken, and until it has counted every answer it expects.
  void answer(Waiter& waiter);

  // On the loop's thread: queues `write` and wakes a writer once the loop has run the
  // handlers ready now (one post per round, not a futex wake per message).
  void submit(store::Spool& spool, store::Spool::Write& write);

  // A Spool::Write's finish, on a writer thread.
  static void finish(store::Spool::Write& self, bool ok);

 private:
  void deliver();

  struct Service : boost::asio::execution_context::service {
    static inline boost::asio::execution_context::id id;
    explicit Service(boost::asio::execution_context& context)
        : boost::asio::execution_context::service(context) {}
    void shutdown() override {}
    std::shared_ptr<SpoolReplies> replies;  // only touched on the context's thread
  };

  boost::asio::any_io_executor executor_;
  std::mutex mutex_;
  Waiter* ready_ = nullptr;
  Waiter** tail_ = &ready_;
  bool posted_ = false;
  bool wake_posted_ = false;  // the loop's
};

}  // namespace bounceback::net
