// The in-memory capture. The spool write (and its flush) happens before the lock is taken,
// so a slow disk delays only the sessions that are storing.
#include "store/message_store.hpp"

#include <malloc.h>

#include <algorithm>
#include <utility>

#include "smtp/received.hpp"

namespace bounceback::store {
namespace {

void index(AddressIndex& recipients, AddressIndex& senders, IdIndex& ids, const StoredMessage& m) {
  for (const auto& r : m.message.rcpts) recipients.add(r.address, m.sequence);
  senders.add(m.message.from, m.sequence);
  ids.add(m.message.queue_id, m.sequence);
}

void unindex(AddressIndex& recipients, AddressIndex& senders, IdIndex& ids,
             const StoredMessage& m) {
  for (const auto& r : m.message.rcpts) recipients.remove(r.address, m.sequence);
  senders.remove(m.message.from, m.sequence);
  ids.remove(m.message.queue_id, m.sequence);
}

thread_local PendingWrites* current_watcher = nullptr;

}  // namespace

PendingWrites::Scope::Scope(PendingWrites& watcher)
    : previous_(std::exchange(current_watcher, &watcher)) {}

PendingWrites::Scope::~Scope() {
  current_watcher = previous_;
}

PendingWrites* PendingWrites::current() {
  return current_watcher;
}

MessageStore::MessageStore(std::size_t max_messages, std::unique_ptr<Spool> spool,
                           bool received_header, std::size_t max_bytes)
    : max_messages_(std::max<std::size_t>(1, max_messages)),
      max_bytes_(max_bytes),
      spool_(std::move(spool)),
      received_header_(received_header) {}

std::chrono::system_clock::time_point MessageStore::prepare(smtp::AcceptedMessage& message) const {
  // The time of receipt, in the Received header and in received_at alike.
  const auto now = std::chrono::system_clock::now();
  if (received_header_ && message.generated.empty())  // a generated one was not received
    smtp::prepend_received_header(message, now);
  return now;
}

MessageStore::~MessageStore() {
  if (spool_) spool_->stop();
}

bool MessageStore::store(smtp::AcceptedMessage&& message) {
  const auto now = prepare(message);
  const bool written = !spool_ || spool_->write(message);
  return keep(std::move(message), now, written);
}

void MessageStore::store_later(smtp::AcceptedMessage&& message) {
  if (!spool_) {
    store(std::move(message));
    return;
  }
  // Owns the message until the writer is done with it; freed by finish, on the writer's
  // thread (or on this one, when the spool has stopped and refuses it at once).
  struct Later : Spool::Write {
    MessageStore* store = nullptr;
    smtp::AcceptedMessage owned;
    std::chrono::system_clock::time_point received_at;
    PendingWrites* watcher = nullptr;
  };
  auto later = std::make_unique<Later>();
  later->store = this;
  later->watcher = PendingWrites::current();
  later->owned = std::move(message);
  later->received_at = prepare(later->owned);
  later->message = &later->owned;
  later->finish = [](Spool::Write& self, bool ok) {
    const std::unique_ptr<Later> done(static_cast<Later*>(&self));
    done->store->keep(std::move(done->owned), done->received_at, ok);
    if (done->watcher) done->watcher->finished();  // kept (and its observers run) first
  };
  if (later->watcher) later->watcher->started();
  spool_->submit(*later.release());
}

bool MessageStore::keep(smtp::AcceptedMessage&& message, std::chrono::system_clock::time_point now,
                        bool written) {
  if (!written) {
    std::lock_guard lock(mutex_);
    ++spool_failures_;
    return false;
  }
  auto stored = std::make_shared<StoredMessage>();
  stored->message = std::move(message);
  stored->received_at = now;
  keep(std::move(stored), false);
  return true;
}

void MessageStore::keep_copy(StoredMessage&& copy) {
  keep(std::make_shared<StoredMessage>(std::move(copy)), true);
}

void MessageStore::keep(std::shared_ptr<StoredMessage> stored, bool copy) {
  std::shared_ptr<const Observers> to_notify;  // a pointer copied, not the observers
  MessagePtr dropped;                          // freed after the lock is let go
  {
    std::lock_guard lock(mutex_);
    if (copy) ++replicated_;
    stored->sequence = ++accepted_;
    messages_.push_back(stored->sequence, stored);
    bytes_ += stored->message.data.size();
    index(recipients_, senders_, ids_, *stored);
    while (messages_.size() > max_messages_ || (bytes_ > max_bytes_ && messages_.size() > 1)) {
      if (messages_.size() <= max_messages_) ++evicted_by_bytes_;
      dropped = messages_.pop_front();  // one at a time is freed after the lock; more (a
                                        // byte bound) under it, rarely
      bytes_ -= dropped->message.data.size();
      freed_ += dropped->message.data.size();
      unindex(recipients_, senders_, ids_, *dropped);
      ++evicted_;
    }
    to_notify = observers_;
  }
  if (!to_notify) return;
  const MessagePtr ptr = std::move(stored);
  for (const auto& [token, observer] : *to_notify) observer(ptr);
}

std::vector<MessagePtr> MessageStore::newest_first() const {
  std::lock_guard lock(mutex_);
  return messages_.newest_first();
}

MessageSlice MessageStore::newest(const MessageRange& range, std::size_t skip,
                                  std::size_t count) const {
  MessageSlice slice;
  std::lock_guard lock(mutex_);
  slice.newest = accepted_;
  if (range.by == MessageRange::By::all) {
    slice.total = messages_.newest(range.after, range.before, skip, count, slice.messages);
    return slice;
  }
  const auto sequences = range.by == MessageRange::By::listed
                             ? range.sequences
                             : (range.by == MessageRange::By::recipient ? recipients_ : senders_)
                                   .sequences(range.address);
  const auto hi = std::lower_bound(sequences.begin(), sequences.end(), range.before);
  const auto lo = std::upper_bound(sequences.begin(), hi, range.after);
  slice.total = static_cast<std::size_t>(hi - lo);
  if (skip >= slice.total) return slice;
  const std::size_t n = std::min(count, slice.total - skip);
  slice.messages.reserve(n);
  // Each sequence found in the store's order by binary search: O(log n) a message.
  for (auto it = hi - static_cast<std::ptrdiff_t>(skip); it != lo && slice.messages.size() < n;)
    if (auto m = messages_.find(*--it)) slice.messages.push_back(std::move(m));
  return slice;
}

MessageSlice MessageStore::oldest_after(std::uint64_t after, std::size_t count) const {
  MessageSlice slice;
  std::lock_guard lock(mutex_);
  slice.newest = accepted_;
  slice.total = messages_.oldest(after, count, slice.messages);
  return slice;
}

StoreRemovals MessageStore::removals(std::uint64_t cursor) const {
  StoreRemovals out;
  std::lock_guard lock(mutex_);
  out.oldest = messages_.size() == 0 ? accepted_ + 1 : messages_.oldest_sequence();
  // A cursor is 1 + the count of erasures before it, so 0 is never one.
  out.cursor = erased_base_ + erased_.size() + 1;
  if (cursor == 0) return out;  // a first look: nothing of the past to forget
  std::uint64_t from = cursor - 1;
  if (from < erased_base_) {
    out.complete = false;
    from = erased_base_;
  }
  out.erased.assign(erased_.begin() + static_cast<std::ptrdiff_t>(from - erased_base_),
                    erased_.end());
  return out;
}

// The message of `id` (the newest of several), or null; the lock is held.
MessagePtr MessageStore::locate(std::string_view id) const {
  MessagePtr found;
  ids_.candidates(id, [&](std::uint64_t sequence) {
    if (found && sequence < found->sequence) return;
    if (auto m = messages_.find(sequence); m && m->message.queue_id == id) found = std::move(m);
  });
  return found;
}

MessagePtr MessageStore::find(std::string_view id) const {
  std::lock_guard lock(mutex_);
  return locate(id);
}

bool MessageStore::erase(std::string_view id, bool tell) {
  MessagePtr dropped;  // freed after the lock is let go
  {
    std::lock_guard lock(mutex_);
    const auto found = locate(id);
    if (!found) return false;
    dropped = messages_.erase(found->sequence);
    bytes_ -= dropped->message.data.size();
    freed_ += dropped->message.data.size();
    unindex(recipients_, senders_, ids_, *dropped);
    erased_.push_back(dropped->sequence);
    if (erased_.size() > erase_memory) {
      erased_.pop_front();
      ++erased_base_;
    }
  }
  if (tell && removal_hook_) removal_hook_(id);
  return true;
}

void MessageStore::clear(bool tell) {
  // Freeing 100,000 messages takes milliseconds: done after the lock is let go.
  MessageOrder dropped;
  AddressIndex dropped_recipients, dropped_senders;
  IdIndex dropped_ids;
  {
    std::lock_guard lock(mutex_);
    dropped.swap(messages_);
    recipients_.swap(dropped_recipients);
    senders_.swap(dropped_senders);
    ids_.swap(dropped_ids);
    freed_ += bytes_;
    bytes_ = 0;
  }
  if (tell && removal_hook_) removal_hook_({});
}

bool MessageStore::release_memory(std::size_t threshold) {
  {
    std::lock_guard lock(mutex_);
    if (freed_ < threshold) return false;
    freed_ = 0;
  }
  malloc_trim(0);  // glibc: returns free pages of every arena; takes ~ms, hence the threshold
  return true;
}

std::size_t MessageStore::size() const {
  std::lock_guard lock(mutex_);
  return messages_.size();
}

std::uint64_t MessageStore::accepted() const {
  std::lock_guard lock(mutex_);
  return accepted_ - replicated_;
}

std::uint64_t MessageStore::replicated() const {
  std::lock_guard lock(mutex_);
  return replicated_;
}

std::size_t MessageStore::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

std::uint64_t MessageStore::evicted() const {
  std::lock_guard lock(mutex_);
  return evicted_;
}

std::uint64_t MessageStore::evicted_by_bytes() const {
  std::lock_guard lock(mutex_);
  return evicted_by_bytes_;
}

std::uint64_t MessageStore::spool_failures() const {
  std::lock_guard lock(mutex_);
  return spool_failures_;
}

// A new list for each change (rare: a long-poll or stream starting or ending), so a store in
// flight keeps calling the list it took; the list let go is freed after the lock.
std::uint64_t MessageStore::subscribe(Observer observer) {
  std::shared_ptr<const Observers> old;
  std::lock_guard lock(mutex_);
  auto next = observers_ ? std::make_shared<Observers>(*observers_) : std::make_shared<Observers>();
  const auto token = next_token_++;
  next->emplace_back(token, std::move(observer));
  old = std::exchange(observers_, std::move(next));
  return token;
}

void MessageStore::unsubscribe(std::uint64_t token) {
  std::shared_ptr<const Observers> old;
  std::lock_guard lock(mutex_);
  if (!observers_) return;
  auto next = std::make_shared<Observers>();
  for (const auto& o : *observers_)
    if (o.first != token) next->push_back(o);
  if (next->size() == observers_->size()) return;
  old = std::exchange(observers_, next->empty() ? nullptr : std::move(next));
}

}  // namespace bounceback::store
