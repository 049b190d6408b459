// The capture shared by replicas (--state): every replica appends what its own store accepted
// (and the deletes its API was asked for) to a Redis stream of its own, PREFIX "capture:" +
// replica, and reads the other replicas' streams to keep their messages in its own store, so
// that any replica's API lists, searches, waits for and serves every message
// (docs/scale-out.md). The replicas find each other through the stream PREFIX "replicas": each
// announces itself there whenever its writer connects, and every reader reads it with the
// others (a replica started later is read from its first announcement on, within a round trip).
// Deletes and clears are applied whatever order a reader sees the streams in (capture_order.hpp).
// The local store stays the truth for "a message that got 250 is never lost": it is stored
// before the 250 as without --state, and written to the stream afterwards, from a bounded
// outbox, on a thread of its own with two hiredis connections (one writes, one blocks in
// XREAD); one entry carries what the outbox gathered in 2 ms (20 ms under load, or until it
// holds a whole entry's records). An attempt recorded pending is
// held by the attempt log itself until its completion, and both go as one record, copied once
// (or it goes as it stands after 100-200 ms: the log's sweep, run from here). Redis down: capture
// goes on locally, the outbox waits (and drops its oldest when full, counted), the reads resume
// from the last entry read in each stream once Redis is back.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "redis/capture_entry.hpp"
#include "redis/capture_order.hpp"
#include "redis/client.hpp"
#include "store/message_store.hpp"
#include "store/replication.hpp"

namespace bounceback::redis {

class CaptureLog final : public scenario::AttemptListener {
 public:
  struct Limits {
    std::size_t entries = 10000;         // the stream's length (MAXLEN ~): --max-messages
    std::size_t max_size = 1024 * 1024;  // bigger messages stay on their replica
    std::size_t outbox = 10000;          // entries waiting while Redis is away
    bool messages = true;  // the messages shared (--state-share capture); false: attempts only
  };
  // `replica`: this process's name in the stream (its session ids' prefix), unique per
  // process among the replicas sharing `prefix`.
  // `attempts`: the attempt log the other replicas' changes go to (null: not shared); the
  // wiring also makes this the engine's AttemptListener.
  CaptureLog(Url url, std::string prefix, std::string replica, store::MessageStore& store,
             scenario::AttemptLog* attempts, Limits limits);
  ~CaptureLog() override;
  CaptureLog(const CaptureLog&) = delete;
  CaptureLog& operator=(const CaptureLog&) = delete;

  void start();  // hooks the store, starts the thread and both connections
  void stop();   // unhooks the store; before the store goes away

  const store::ReplicationCounters& counters() const { return counters_; }

  // scenario::AttemptListener: this replica's attempt log changes, passed on.
  void recorded(const scenario::AttemptRecord& record, bool paced) override;
  void completed(std::string_view session_id, std::string_view rcpt,
                 const scenario::Completion& how) override;
  void sent(std::string_view session_id, std::chrono::system_clock::time_point at,
            smtp::Sent how) override;
  void cleared() override;
  // An attempt the log held from its RCPT (pending) to its completion, as it ends: one record
  // for two changes. Or as it stands, when its transaction stays open (the log's sweep).
  void finished(const scenario::AttemptRecord& record, bool paced) override;
  void shared_as_it_stands(const scenario::AttemptRecord& record) override;
  void holding() override;

 private:
  // Moved twice (into the outbox, into its entry): pointers only (~40 bytes, a dozen to a
  // deque's block), the rare kinds' text apart.
  struct Op {
    EntryKind kind = EntryKind::message;
    std::uint8_t changes = 1;   // 2: an attempt recorded and completed, in one record
    bool paced = false;         // attempt, finished
    store::MessagePtr message;  // message
    // An attempt the log held (attempt, finished): copied into a record reused from spare_
    // (its strings' buffers kept: no allocation), encoded on io_'s thread into the entry.
    std::unique_ptr<scenario::AttemptRecord> held = {};
    // erase: the id; the attempt log's other kinds: the whole record, encoded already.
    std::unique_ptr<std::string> text = {};
  };
  static Op text_op(EntryKind kind, std::string text);  // an Op of the rarer kinds
  // What an enqueue asks of io_'s thread: nothing (a wake-up is on its way), drain() after
  // the linger (the first record since the last drain), or drain() now (a whole entry waits).
  enum class Wake { none, linger, now };
  // By reference: an Op is moved once, into the outbox (~70 instructions a move).
  void enqueue(Op&& op);         // any thread
  Wake enqueue_locked(Op&& op);  // mutex_ held; then wake_up(), after unlocking if possible
  void wake_up(Wake how);
  void enqueue_held(const scenario::AttemptRecord& record, EntryKind kind, bool paced);
  void arm_hold();  // on io_'s thread
  void drain();     // the rest on io_'s thread
  void send(const std::vector<Op>& batch);
  void written(const redisReply* reply);
  void recycle(std::vector<Op>& batch);  // its held attempts' records to spare_
  void read();
  void announce();
  void discovered(const redisReply* entry);
  void apply(std::size_t stream, const redisReply* entry);
  void clear_older(std::size_t stream, EntryId at);
  void cleared(EntryId at);
  void connection_changed();
  void warn(const char* what, std::string detail);

  void apply_attempt(CaptureRecord& record, EntryId at);

  store::MessageStore& store_;
  scenario::AttemptLog* attempts_;
  const std::string prefix_, key_, control_key_, replica_, maxlen_;
  const Limits limits_;
  store::ReplicationCounters counters_;
  std::uint64_t observer_ = 0;

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  Client writer_, reader_;
  boost::asio::steady_timer read_retry_, linger_, hold_timer_;
  std::thread thread_;

  std::mutex mutex_;  // the outbox, shared with the storing threads
  std::deque<Op> outbox_;
  bool wake_posted_ = false;
  // Records of held attempts written and answered, reused by enqueue_held(): allocated once,
  // on the thread that completes attempts (one freed on io_'s thread went back to another
  // thread's malloc arena: slower mallocs on the SMTP thread).
  std::vector<std::unique_ptr<scenario::AttemptRecord>> spare_;

  // The XADD being written, in RESP: reused, its capacity kept (written on io_'s thread only).
  // The arguments before the records' length are the same for every entry (xadd_head_).
  std::string command_;
  const std::string xadd_head_;
  std::deque<std::vector<Op>> in_flight_;  // entries sent, not answered yet, oldest first
  // The streams read: [0] the replicas' announcements, then the other replicas' streams, in
  // the order they were announced. last_id: the last entry read, "0" reads from the start.
  struct Stream {
    std::string key, replica, last_id = "0";
  };
  std::vector<Stream> streams_;
  std::vector<std::string_view> read_argv_;  // XREAD's, rebuilt for each read
  CaptureOrder order_;
  bool reading_ = false, writer_up_ = false;
  std::chrono::steady_clock::time_point last_sent_{};  // the last entry's write: busy or not
  bool held_back_ = false;          // drain() left records behind: the window was full
  std::deque<std::string> recent_;  // ids of the copies kept lately, oldest first: a write
  std::unordered_set<std::string> recent_set_;  // retried after a lost reply comes twice
  std::chrono::steady_clock::time_point last_warning_{};
};

}  // namespace bounceback::redis
