// The capture: a bounded, thread-safe in-memory store of accepted messages, optionally
// backed by a spool directory written before the 250. Observers hear of every new message.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "smtp/message.hpp"
#include "store/spool.hpp"

namespace bounceback::store {

struct StoredMessage {
  smtp::AcceptedMessage message;  // queue_id is the message id
  std::chrono::system_clock::time_point received_at;
  std::uint64_t sequence = 0;  // 1, 2, 3… in order of acceptance
};
using MessagePtr = std::shared_ptr<const StoredMessage>;

class MessageStore final : public smtp::MessageSink {
 public:
  // received_header: prepend a Received header to each message, as a real MX does (the
  // wiring turns it on unless --received-header off; off here keeps tests byte-exact).
  explicit MessageStore(std::size_t max_messages, std::unique_ptr<Spool> spool = nullptr,
                        bool received_header = false);

  bool store(smtp::AcceptedMessage&& message) override;
  // True when store() blocks on the disk (a spool): the wiring then gives the transport a
  // store pool, so slow fsyncs of many sessions overlap off the I/O threads; otherwise the
  // transport stores inline, on the I/O thread.
  bool blocking() const { return spool_ != nullptr; }

  std::vector<MessagePtr> newest_first() const;  // a snapshot
  // Visits the stored messages newest first, under the store's lock, until `visit` returns
  // false: a caller that needs only the first few matches (a wait) stops early and copies no
  // list. `visit` must not call back into the store.
  void visit_newest_first(const std::function<bool(const MessagePtr&)>& visit) const;
  MessagePtr find(std::string_view id) const;
  bool erase(std::string_view id);
  void clear();

  std::size_t size() const;
  std::uint64_t accepted() const;  // ever
  std::uint64_t evicted() const;   // dropped by the bound
  std::uint64_t spool_failures() const;

  // Observers run on the storing thread, after the message is visible; keep them short.
  using Observer = std::function<void(const MessagePtr&)>;
  std::uint64_t subscribe(Observer observer);
  void unsubscribe(std::uint64_t token);

 private:
  const std::size_t max_messages_;
  std::unique_ptr<Spool> spool_;
  const bool received_header_;
  mutable std::mutex mutex_;
  std::deque<MessagePtr> messages_;  // oldest first
  std::uint64_t accepted_ = 0, evicted_ = 0, spool_failures_ = 0;
  std::vector<std::pair<std::uint64_t, Observer>> observers_;
  std::uint64_t next_token_ = 1;
};

}  // namespace bounceback::store
