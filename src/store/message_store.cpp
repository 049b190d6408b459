// The in-memory capture. The spool write (and its fsync) happens before the lock is taken,
// so a slow disk delays only the session that is storing.
#include "store/message_store.hpp"

#include <algorithm>

#include "smtp/received.hpp"

namespace bounceback::store {

MessageStore::MessageStore(std::size_t max_messages, std::unique_ptr<Spool> spool,
                           bool received_header)
    : max_messages_(std::max<std::size_t>(1, max_messages)),
      spool_(std::move(spool)),
      received_header_(received_header) {}

bool MessageStore::store(smtp::AcceptedMessage&& message) {
  // The time of receipt, in the Received header and in received_at alike.
  const auto now = std::chrono::system_clock::now();
  if (received_header_ && message.generated.empty())  // a generated one was not received
    message.data.insert(0, smtp::received_header(message, now));
  if (spool_ && !spool_->write(message)) {
    std::lock_guard lock(mutex_);
    ++spool_failures_;
    return false;
  }
  auto stored = std::make_shared<StoredMessage>();
  stored->message = std::move(message);
  stored->received_at = now;
  std::vector<Observer> to_notify;
  {
    std::lock_guard lock(mutex_);
    stored->sequence = ++accepted_;
    messages_.push_back(stored);
    while (messages_.size() > max_messages_) {
      messages_.pop_front();
      ++evicted_;
    }
    for (const auto& [token, observer] : observers_) to_notify.push_back(observer);
  }
  const MessagePtr ptr = std::move(stored);
  for (const auto& observer : to_notify) observer(ptr);
  return true;
}

std::vector<MessagePtr> MessageStore::newest_first() const {
  std::lock_guard lock(mutex_);
  return {messages_.rbegin(), messages_.rend()};
}

void MessageStore::visit_newest_first(const std::function<bool(const MessagePtr&)>& visit) const {
  std::lock_guard lock(mutex_);
  for (auto it = messages_.rbegin(); it != messages_.rend(); ++it)
    if (!visit(*it)) return;
}

MessagePtr MessageStore::find(std::string_view id) const {
  std::lock_guard lock(mutex_);
  for (auto it = messages_.rbegin(); it != messages_.rend(); ++it)
    if ((*it)->message.queue_id == id) return *it;
  return nullptr;
}

bool MessageStore::erase(std::string_view id) {
  std::lock_guard lock(mutex_);
  const auto it = std::find_if(messages_.begin(), messages_.end(),
                               [&](const MessagePtr& m) { return m->message.queue_id == id; });
  if (it == messages_.end()) return false;
  messages_.erase(it);
  return true;
}

void MessageStore::clear() {
  std::lock_guard lock(mutex_);
  messages_.clear();
}

std::size_t MessageStore::size() const {
  std::lock_guard lock(mutex_);
  return messages_.size();
}

std::uint64_t MessageStore::accepted() const {
  std::lock_guard lock(mutex_);
  return accepted_;
}

std::uint64_t MessageStore::evicted() const {
  std::lock_guard lock(mutex_);
  return evicted_;
}

std::uint64_t MessageStore::spool_failures() const {
  std::lock_guard lock(mutex_);
  return spool_failures_;
}

std::uint64_t MessageStore::subscribe(Observer observer) {
  std::lock_guard lock(mutex_);
  observers_.emplace_back(next_token_, std::move(observer));
  return next_token_++;
}

void MessageStore::unsubscribe(std::uint64_t token) {
  std::lock_guard lock(mutex_);
  std::erase_if(observers_, [&](const auto& o) { return o.first == token; });
}

}  // namespace bounceback::store
