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
#include <span>
#include <string>
#include <vector>

#include "smtp/message.hpp"
#include "store/address_index.hpp"
#include "store/id_index.hpp"
#include "store/message_order.hpp"
#include "store/spool.hpp"

namespace bounceback::store {

struct StoredMessage {
  smtp::AcceptedMessage message;  // queue_id is the message id
  std::chrono::system_clock::time_point received_at;
  std::uint64_t sequence = 0;  // 1, 2, 3… in order of acceptance
  std::string origin;          // --state: the replica that captured it; "" for this one
};

// Which stored messages a read takes: all, or those of one recipient or sender (an exact
// address, ASCII case folded, read from the store's index), or those of a list of sequences a
// reader keeps (growing; one no longer stored is skipped), between two sequences.
struct MessageRange {
  enum class By { all, recipient, sender, listed };
  By by = By::all;
  std::string_view address;                       // with recipient or sender
  std::span<const std::uint64_t> sequences = {};  // with listed
  std::uint64_t before = UINT64_MAX;              // only sequences below
  std::uint64_t after = 0;                        // only sequences above
};

// A read of a range, newest first: the messages asked for, and how many the range holds.
struct MessageSlice {
  std::vector<MessagePtr> messages;
  std::size_t total = 0;     // messages in the range, not only those read
  std::uint64_t newest = 0;  // the last sequence given out when read (a wait's mark)
};

// What a reader that mirrors the store (the search's address index, api/address_search.hpp)
// must forget since its last look: every sequence below `oldest` (evicted, erased at the front,
// cleared), and the sequences erased since its cursor.
struct StoreRemovals {
  std::uint64_t oldest = 0;           // the oldest stored sequence (newest + 1 when empty)
  std::vector<std::uint64_t> erased;  // erase()d since the cursor, in order
  bool complete = true;               // false: more were erased than the store remembers
  std::uint64_t cursor = 0;           // for the next look
};

// Generated messages (a DSN due at once) that a caller stores with store_later and must see
// kept before it goes on: an SMTP connection answers its message only once the DSN that
// message caused is listed, without blocking its event loop meanwhile. While a Scope is alive
// on a thread, each store_later there that goes through the spool calls started() (on that
// thread, before it returns) and, once the message is kept (or refused), finished() on the
// spool's writer thread. A watcher must outlive the writes it was told of.
class PendingWrites {
 public:
  virtual void started() = 0;
  virtual void finished() = 0;

  // Makes `watcher` the calling thread's until destroyed (the previous one back then). Only
  // around synchronous code: never held across a coroutine's suspension.
  class Scope {
   public:
    explicit Scope(PendingWrites& watcher);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    PendingWrites* previous_;
  };
  static PendingWrites* current();

 protected:
  ~PendingWrites() = default;
};

class MessageStore final : public smtp::MessageSink {
 public:
  // received_header: prepend a Received header to each message, as a real MX does (the
  // wiring turns it on unless --received-header off; off here keeps tests byte-exact).
  // max_bytes bounds the stored copies' bytes (the newest message is kept whatever its size).
  explicit MessageStore(std::size_t max_messages, std::unique_ptr<Spool> spool = nullptr,
                        bool received_header = false, std::size_t max_bytes = SIZE_MAX);

  // Stops the spool first: a write still queued is kept while the store is whole.
  ~MessageStore() override;

  // prepare(), the spool's write (blocking this thread) when there is a spool, then keep().
  bool store(smtp::AcceptedMessage&& message) override;
  // store() for a caller that must not block and need not wait (generated messages, stored
  // on an event loop): without a spool, store(); with one, prepare() and Spool::submit() of
  // a copy it owns, kept by the spool's writer thread once on disk (its observers run there).
  // So the message is on disk before it is visible, and visible a group flush after the
  // call, not at its return (the thread's PendingWrites, if any, hears when). A failed write
  // is counted as store() counts it.
  void store_later(smtp::AcceptedMessage&& message);
  // The spool, or null. A caller that must not block (the transport) stores in three steps:
  // prepare(), Spool::submit() and, once the spool has written it, keep().
  Spool* spool() const { return spool_.get(); }
  // Stamps the time of receipt (returned) and prepends the Received header.
  std::chrono::system_clock::time_point prepare(smtp::AcceptedMessage& message) const;
  // Keeps a prepared message in memory; `written` is the spool's answer (false: counted as a
  // spool failure and not kept). Returns `written`.
  bool keep(smtp::AcceptedMessage&& message, std::chrono::system_clock::time_point received_at,
            bool written = true);

  std::vector<MessagePtr> newest_first() const;  // a snapshot
  // Up to `count` messages of `range`, newest first, after skipping `skip`: under the lock,
  // O(log n + count) for the whole store (its order counts live messages, message_order.hpp),
  // O(log n) a message for an address (its list is searched by sequence), so a reader that
  // matches messages does it outside the lock, a chunk at a time.
  MessageSlice newest(const MessageRange& range, std::size_t skip, std::size_t count) const;
  // Up to `count` messages stored after sequence `after`, oldest first (a mirror's catching
  // up); `newest` is the last sequence given out when read.
  MessageSlice oldest_after(std::uint64_t after, std::size_t count) const;
  // What was removed since `cursor` (0 the first time: then `erased` is empty). The store
  // remembers the last `erase_memory` erased sequences, a few KiB.
  StoreRemovals removals(std::uint64_t cursor) const;
  static constexpr std::size_t erase_memory = 4096;
  // By id, through the id index: O(1) to find its sequence, O(log n) to find the message
  // (with two messages of one id, the newer). erase leaves a tombstone in the store's order,
  // O(log n), plus its removal from the address lists (a shift of each list it is in).
  MessagePtr find(std::string_view id) const;
  // `tell` false: asked by another replica (--state), not passed on to the removal hook.
  bool erase(std::string_view id, bool tell = true);
  void clear(bool tell = true);

  // --state (redis/capture_log.hpp): a message another replica captured, kept as it was
  // stored there (its Received header and time, its origin set), never spooled here.
  // Observers hear of it as of any other.
  void keep_copy(StoredMessage&& copy);
  // Told of each erase() and clear() asked here ("" for clear), not of evictions. Set once,
  // before serving; runs on the caller's thread (the API's), after the lock is let go.
  using RemovalHook = std::function<void(std::string_view id)>;
  void on_removal(RemovalHook hook) { removal_hook_ = std::move(hook); }

  std::size_t size() const;
  std::size_t bytes() const;         // of the stored copies now
  std::uint64_t accepted() const;    // ever, here (keep_copy's not counted)
  std::uint64_t replicated() const;  // ever kept by keep_copy
  std::uint64_t evicted() const;     // dropped by the bounds: by count and by bytes
  std::uint64_t evicted_by_bytes() const;
  std::uint64_t spool_failures() const;

  // Gives memory freed by deleted and evicted messages back to the system (malloc_trim) when
  // at least `threshold` bytes were freed since the last time; true when it trimmed. The
  // wiring calls it now and then on the API's thread, never on an SMTP one.
  bool release_memory(std::size_t threshold);

  // Observers run on the storing thread, after the message is visible; keep them short. A
  // store that took the list before unsubscribe() may still call the observer after it
  // returns (the list it took keeps the observer alive until then): share, do not borrow.
  using Observer = std::function<void(const MessagePtr&)>;
  std::uint64_t subscribe(Observer observer);
  void unsubscribe(std::uint64_t token);

 private:
  const std::size_t max_messages_, max_bytes_;
  std::unique_ptr<Spool> spool_;
  const bool received_header_;
  mutable std::mutex mutex_;
  MessageOrder messages_;              // oldest first, so by growing sequence
  AddressIndex recipients_, senders_;  // sequences of messages_, by address
  IdIndex ids_;                        // sequences of messages_, by id
  // The last erase_memory sequences erase() took (removals()); erased_base_ counts those
  // forgotten before erased_.front().
  std::deque<std::uint64_t> erased_;
  std::uint64_t erased_base_ = 0;
  std::size_t bytes_ = 0, freed_ = 0;  // stored now; freed since the last trim
  std::uint64_t accepted_ = 0, evicted_ = 0, evicted_by_bytes_ = 0, spool_failures_ = 0;
  // Copy on write: subscribe and unsubscribe replace the list, a store copies the pointer
  // under the lock (no Observer copied, nothing allocated) and calls outside it. Null: none.
  using Observers = std::vector<std::pair<std::uint64_t, Observer>>;
  std::shared_ptr<const Observers> observers_;
  std::uint64_t next_token_ = 1;
  std::uint64_t replicated_ = 0;
  RemovalHook removal_hook_;

  void keep(std::shared_ptr<StoredMessage> stored, bool copy);
  MessagePtr locate(std::string_view id) const;
};

}  // namespace bounceback::store
