// The spool's answers for the sessions of one event loop (see spool_replies.hpp).
#include "net/spool_replies.hpp"

#include <boost/asio/post.hpp>
#include <utility>

namespace bounceback::net {

namespace asio = boost::asio;

const std::shared_ptr<SpoolReplies>& SpoolReplies::of(const asio::any_io_executor& executor) {
  auto& context = asio::query(executor, asio::execution::context);
  auto& service = asio::use_service<Service>(context);
  if (!service.replies) service.replies = std::make_shared<SpoolReplies>(executor);
  return service.replies;
}

void SpoolReplies::answer(Waiter& waiter) {
  bool post = false;
  {
    std::lock_guard lock(mutex_);
    ++waiter.count;
    if (!waiter.queued) {
      waiter.queued = true;
      waiter.ready_next = nullptr;
      *tail_ = &waiter;
      tail_ = &waiter.ready_next;
      post = !std::exchange(posted_, true);
    }
  }
  if (post) asio::post(executor_, [self = shared_from_this()] { self->deliver(); });
}

void SpoolReplies::submit(store::Spool& spool, store::Spool::Write& write) {
  if (!spool.submit_quiet(write) || std::exchange(wake_posted_, true)) return;
  asio::post(executor_, [self = shared_from_this(), &spool] {
    self->wake_posted_ = false;
    spool.wake();
  });
}

void SpoolReplies::finish(store::Spool::Write& self, bool ok) {
  auto& reply = static_cast<Reply&>(self);
  reply.ok = ok;
  reply.replies->answer(reply);
}

void SpoolReplies::deliver() {
  Waiter* ready = nullptr;
  {
    std::lock_guard lock(mutex_);
    ready = std::exchange(ready_, nullptr);
    tail_ = &ready_;
    posted_ = false;
    for (Waiter* w = ready; w; w = w->ready_next) {
      w->queued = false;
      w->woken = std::exchange(w->count, 0);
    }
  }
  while (ready) {
    Waiter* next = ready->ready_next;  // `ready` may be gone once its session resumes
    ready->wake(*ready);
    ready = next;
  }
}

}  // namespace bounceback::net
