// Subscriptions of a long-poll or event stream to the message store and the event feed, ended
// when the coroutine frame ends, however it ends (also when the io_context destroys a
// suspended frame at exit).
#pragma once

#include <cstdint>
#include <utility>

#include "store/event_feed.hpp"
#include "store/message_store.hpp"

namespace bounceback::api {

class Subscription {
 public:
  Subscription(store::MessageStore& store, store::MessageStore::Observer observer)
      : store_(store), token_(store.subscribe(std::move(observer))) {}
  ~Subscription() { store_.unsubscribe(token_); }
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;

 private:
  store::MessageStore& store_;
  std::uint64_t token_;
};

// The same for the feed of session and refusal events; a null feed subscribes to nothing.
class FeedSubscription {
 public:
  FeedSubscription(store::EventFeed* feed, store::EventFeed::Observer observer)
      : feed_(feed), token_(feed ? feed->subscribe(std::move(observer)) : 0) {}
  ~FeedSubscription() {
    if (feed_) feed_->unsubscribe(token_);
  }
  FeedSubscription(const FeedSubscription&) = delete;
  FeedSubscription& operator=(const FeedSubscription&) = delete;

 private:
  store::EventFeed* feed_;
  std::uint64_t token_;
};

}  // namespace bounceback::api
