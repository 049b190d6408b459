// CaptureLog (see capture_log.hpp). The storing threads only append to the outbox (a lock,
// a push, a post when it was empty); everything that touches hiredis runs on io_'s thread.
#include "redis/capture_log.hpp"

#include <hiredis/hiredis.h>
#include <pthread.h>

#include <algorithm>
#include <boost/asio/post.hpp>

#include "log/log.hpp"

namespace bounceback::redis {

namespace asio = boost::asio;

namespace {

// Entries sent before their answers come. Few: while they are on their way the outbox fills,
// and the next entry carries all of it (up to batch_records records and max_size bytes).
constexpr std::size_t write_window = 4, batch_records = 256;
// How long the first record put in an empty outbox waits for others to join its entry: 2 ms
// after a quiet spell (no entry written for `busy`), 20 ms while entries follow each other.
// Each entry costs its writer, Redis and every reader a wake-up, a command and a reply
// (natively some 100 us of CPU in all on a loaded machine): at 20,000 messages a second an
// entry fills (batch_records) in ~6 ms and goes then, without waiting for the linger.
constexpr std::chrono::milliseconds short_linger{2}, long_linger{20}, busy{20};
// Entries one XREAD may bring, and how long it waits for one (then it asks again).
constexpr std::string_view read_count = "64", read_block_ms = "2000";
// Ids of the copies kept lately, to skip a write the origin retried after a lost answer.
constexpr std::size_t recent_ids = 4096;
// How often the attempts held for their completion are looked at: one held through a whole
// period is shared as it stands (pending), so another replica lists it within two periods.
constexpr std::chrono::milliseconds hold_period{100};
// The records of held attempts kept for the next ones once sent (CaptureLog::recycle).
constexpr std::size_t spare_records = 1024;
// streams_[0]: the replicas' announcements; this replica's own stream, in CaptureOrder's terms.
constexpr std::size_t control = 0, own = 0;

// RESP's bulk string: $<length>\r\n<bytes>\r\n.
void bulk(std::string& out, std::string_view value) {
  out += '$';
  out += std::to_string(value.size());
  out += "\r\n";
  out += value;
  out += "\r\n";
}

// XADD <key> MAXLEN ~ <n> * o <replica> v 1 r, in RESP, before the records' bulk string.
std::string xadd_head(std::string_view key, std::string_view maxlen, std::string_view replica) {
  std::string out = "*12\r\n";
  for (const std::string_view arg :
       {std::string_view("XADD"), key, std::string_view("MAXLEN"), std::string_view("~"), maxlen,
        std::string_view("*"), std::string_view("o"), replica, std::string_view("v"),
        std::string_view("1"), std::string_view("r")})
    bulk(out, arg);
  return out;
}

std::string_view text(const redisReply* r) {
  return r && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS ||
               r->type == REDIS_REPLY_ERROR)
             ? std::string_view(r->str, r->len)
             : std::string_view();
}

}  // namespace

CaptureLog::CaptureLog(Url url, std::string prefix, std::string replica, store::MessageStore& store,
                       scenario::AttemptLog* attempts, Limits limits)
    : store_(store),
      attempts_(attempts),
      prefix_(std::move(prefix)),
      key_(capture_key(prefix_, replica)),
      control_key_(replicas_key(prefix_)),
      replica_(std::move(replica)),
      maxlen_(std::to_string(limits.entries)),
      limits_(limits),
      work_(io_.get_executor()),
      writer_(
          io_, url, [this](bool) { connection_changed(); }, false),
      reader_(
          io_, std::move(url), [this](bool) { connection_changed(); }, false),
      read_retry_(io_),
      linger_(io_),
      hold_timer_(io_),
      xadd_head_(xadd_head(key_, maxlen_, replica_)),
      order_(2 * std::max<std::size_t>(limits.entries, 1000)) {
  streams_.push_back({control_key_, {}, "0"});
}

CaptureLog::Op CaptureLog::text_op(EntryKind kind, std::string text) {
  return {kind, 1, false, nullptr, nullptr, std::make_unique<std::string>(std::move(text))};
}

CaptureLog::~CaptureLog() {
  stop();
}

void CaptureLog::start() {
  if (limits_.messages) {
    observer_ = store_.subscribe([this](const store::MessagePtr& m) {
      if (!m->origin.empty()) return;  // another replica's: in the stream already
      if (m->message.data.size() > limits_.max_size) {
        counters_.too_large.fetch_add(1, std::memory_order_relaxed);
        return;
      }
      enqueue({EntryKind::message, 1, false, m});
    });
    store_.on_removal([this](std::string_view id) {
      enqueue(text_op(id.empty() ? EntryKind::clear : EntryKind::erase, std::string(id)));
    });
  }
  asio::post(io_, [this] {
    writer_.start();
    reader_.start();
  });
  thread_ = std::thread([this] {
    ::pthread_setname_np(::pthread_self(), "bb-capture");  // in top and /proc/PID/task/*/comm
    io_.run();
  });
  log::info("capture: shared through redis", {{"replica", replica_},
                                              {"key", key_},
                                              {"messages", limits_.messages ? "yes" : "no"},
                                              {"attempts", attempts_ ? "yes" : "no"}});
}

void CaptureLog::stop() {
  if (!thread_.joinable()) return;
  if (limits_.messages) {
    store_.unsubscribe(observer_);
    store_.on_removal({});
  }
  asio::post(io_, [this] {
    read_retry_.cancel();
    linger_.cancel();
    hold_timer_.cancel();
    writer_.stop();
    reader_.stop();
    work_.reset();
  });
  thread_.join();
}

void CaptureLog::enqueue(Op&& op) {
  Wake wake = Wake::none;
  {
    std::lock_guard lock(mutex_);
    wake = enqueue_locked(std::move(op));
  }
  wake_up(wake);
}

CaptureLog::Wake CaptureLog::enqueue_locked(Op&& op) {
  if (outbox_.size() >= limits_.outbox) {
    const Op& oldest = outbox_.front();  // the oldest: Redis has been away for long
    counters_.outbox_full.fetch_add(oldest.changes, std::memory_order_relaxed);
    counters_.outbox.fetch_sub(oldest.changes, std::memory_order_relaxed);
    outbox_.pop_front();
  }
  counters_.outbox.fetch_add(op.changes, std::memory_order_relaxed);
  outbox_.push_back(std::move(op));
  if (!std::exchange(wake_posted_, true)) return Wake::linger;
  // A whole entry waits: written now, not after the linger (once per entry's worth).
  return outbox_.size() == batch_records ? Wake::now : Wake::none;
}

void CaptureLog::wake_up(Wake how) {
  if (how == Wake::now) {
    asio::post(io_, [this] {
      linger_.cancel();
      drain();
    });
    return;
  }
  if (how != Wake::linger) return;
  asio::post(io_, [this] {
    const auto now = std::chrono::steady_clock::now();
    linger_.expires_after(now - last_sent_ < busy ? long_linger : short_linger);
    linger_.async_wait([this](boost::system::error_code ec) {
      if (!ec) drain();
    });
  });
}

void CaptureLog::drain() {
  {
    std::lock_guard lock(mutex_);
    wake_posted_ = false;
  }
  held_back_ = false;
  while (writer_.connected()) {
    if (in_flight_.size() >= write_window) {
      std::lock_guard lock(mutex_);
      held_back_ = !outbox_.empty();  // written() goes on once an entry is answered
      return;
    }
    std::vector<Op> batch;
    {
      std::lock_guard lock(mutex_);
      std::size_t bytes = 0;
      // Room for the whole entry at once: grown by doubling, the Ops were moved ~twice more.
      batch.reserve(std::min(outbox_.size(), batch_records));
      while (!outbox_.empty() && batch.size() < batch_records) {
        // A clear starts an entry: a reader removes what is older than the clear's entry,
        // so a message written before the clear must be in an older one.
        if (outbox_.front().kind == EntryKind::clear && !batch.empty()) break;
        const auto& m = outbox_.front().message;
        const std::size_t size = m ? m->message.data.size() : 0;
        if (!batch.empty() && bytes + size > limits_.max_size) break;
        bytes += size;
        batch.push_back(std::move(outbox_.front()));
        outbox_.pop_front();
      }
    }
    if (batch.empty()) return;
    send(batch);
    in_flight_.push_back(std::move(batch));
  }
}

void CaptureLog::send(const std::vector<Op>& batch) {
  // The records are written once, in place, after room for the command's head and their
  // length (known once they are written); hiredis copies the command into its output buffer.
  constexpr std::size_t length_room = 24;  // "$" + up to 20 digits + "\r\n"
  const std::size_t room = xadd_head_.size() + length_room;
  std::size_t bytes = room + 2;
  for (const auto& op : batch)
    bytes += op.message ? op.message->message.data.size() + 256
             : op.held  ? op.held->reply.size() + 256
             : op.text  ? op.text->size() + 64
                        : 64;
  last_sent_ = std::chrono::steady_clock::now();
  command_.clear();
  if (command_.capacity() > 4 * bytes + (1 << 20)) command_.shrink_to_fit();  // after a big one
  command_.reserve(bytes);
  command_.resize(room);
  for (const auto& op : batch) {
    if (op.kind == EntryKind::message)
      append_record(command_, op.kind, op.message->message.queue_id, &op.message->message,
                    op.message->received_at);
    else if (op.kind == EntryKind::erase || op.kind == EntryKind::clear)
      append_record(command_, op.kind, op.text ? *op.text : std::string_view(), nullptr, {});
    else if (op.held)
      append_attempt_record(command_, *op.held, op.paced, op.kind);
    else if (op.text)
      command_ += *op.text;
  }
  const std::size_t records = command_.size() - room;
  command_ += "\r\n";
  std::string head = xadd_head_;
  head += '$';
  head += std::to_string(records);
  head += "\r\n";
  const std::size_t start = room - head.size();
  command_.replace(start, head.size(), head);
  // Not sent (the connection just went): answered as lost, sent again once reconnected.
  if (!writer_.formatted(std::string_view(command_).substr(start),
                         [this](const redisReply* r) { written(r); }))
    written(nullptr);
}

void CaptureLog::written(const redisReply* r) {
  // Lost with the connection: kept in flight, sent again (first) once reconnected. A write
  // Redis did take may come twice then: readers skip the second (recent_).
  if (!r || in_flight_.empty()) return;
  std::vector<Op> batch = std::move(in_flight_.front());
  in_flight_.pop_front();
  std::uint64_t changes = 0;
  for (const auto& op : batch) changes += op.changes;
  counters_.outbox.fetch_sub(changes, std::memory_order_relaxed);
  if (r->type == REDIS_REPLY_ERROR) {
    counters_.failed.fetch_add(changes, std::memory_order_relaxed);
    warn("capture: redis refused a write", std::string(text(r)));
  } else {
    counters_.published.fetch_add(changes, std::memory_order_relaxed);
    const auto at = parse_entry_id(text(r));
    if (at) {
      for (const auto& op : batch) {
        if (op.kind == EntryKind::message)
          order_.hold(op.message->message.queue_id, own, *at);
        else if (op.kind == EntryKind::clear)
          cleared(*at);
        else if (op.kind == EntryKind::attempts_cleared)
          order_.attempts_cleared(*at);
      }
    }
  }
  recycle(batch);
  // Only what the window held back goes now: what came since the last entry waits for its
  // linger (sent on each answer, entries alternated between a linger's worth and a few records).
  if (held_back_) drain();
}

void CaptureLog::recycle(std::vector<Op>& batch) {
  std::lock_guard lock(mutex_);
  for (auto& op : batch)
    if (op.held && spare_.size() < spare_records) spare_.push_back(std::move(op.held));
}

void CaptureLog::cleared(EntryId at) {
  // This replica's clear, now in the stream: the other replicas' messages read since it was
  // asked for, but written before it, go too (as they do on every other replica).
  clear_older(own, at);
  // Every entry older than the clear is moot: a replica that starts later need not read them.
  const std::string since = std::to_string(at.ms) + "-" + std::to_string(at.seq);
  const std::string ms = std::to_string(at.ms);
  for (const auto& stream : streams_) {
    if (stream.replica.empty()) continue;
    const std::vector<std::string_view> trim{"XTRIM", stream.key, "MINID", ms};
    writer_.command(trim, [](const redisReply*) {});
  }
  const std::vector<std::string_view> trim{"XTRIM", key_, "MINID", since};
  writer_.command(trim, [](const redisReply*) {});
}

void CaptureLog::clear_older(std::size_t stream, EntryId at) {
  for (const auto& id : order_.clear(stream, at)) store_.erase(id, false);
}

void CaptureLog::announce() {
  const std::vector<std::string_view> argv{"XADD", control_key_, "*", "o", replica_};
  writer_.command(argv, [this](const redisReply* r) {
    if (r && r->type == REDIS_REPLY_ERROR)
      warn("capture: redis refused this replica's announcement", std::string(text(r)));
  });
}

void CaptureLog::connection_changed() {
  counters_.up.store(writer_.connected() && reader_.connected());
  // Announced on each connection: after a Redis restart (no persistence) the others find
  // this replica again; before the entries waiting, so that readers look for them at once.
  if (writer_.connected() && !writer_up_) announce();
  writer_up_ = writer_.connected();
  if (writer_.connected() && !in_flight_.empty()) {
    // What was in flight when the connection went goes first, in its order.
    std::lock_guard lock(mutex_);
    for (auto batch = in_flight_.rbegin(); batch != in_flight_.rend(); ++batch)
      for (auto op = batch->rbegin(); op != batch->rend(); ++op) outbox_.push_front(std::move(*op));
    in_flight_.clear();
  }
  if (writer_.connected()) drain();
  if (reader_.connected()) read();
}

void CaptureLog::read() {
  if (reading_ || !reader_.connected()) return;
  read_argv_.assign({"XREAD", "COUNT", read_count, "BLOCK", read_block_ms, "STREAMS"});
  for (const auto& s : streams_) read_argv_.push_back(s.key);
  for (const auto& s : streams_) read_argv_.push_back(s.last_id);
  reading_ = reader_.command(read_argv_, [this](const redisReply* r) {
    reading_ = false;
    if (!r) return;  // lost: read again once reconnected, from each last_id
    if (r->type == REDIS_REPLY_ERROR) {
      warn("capture: redis refused a read", std::string(text(r)));
      read_retry_.expires_after(std::chrono::seconds(1));
      read_retry_.async_wait([this](boost::system::error_code ec) {
        if (!ec) read();
      });
      return;
    }
    // [[key, [[id, [field, value, ...]], ...]]], or nil when nothing came in the wait.
    if (r->type == REDIS_REPLY_ARRAY)
      for (std::size_t s = 0; s < r->elements; ++s) {
        const redisReply* stream = r->element[s];
        if (stream->type != REDIS_REPLY_ARRAY || stream->elements != 2 ||
            stream->element[1]->type != REDIS_REPLY_ARRAY)
          continue;
        const std::string_view key = text(stream->element[0]);
        // streams_ grows as announcements are read: found by index, never held by reference.
        std::size_t which = 0;
        while (which < streams_.size() && streams_[which].key != key) ++which;
        if (which == streams_.size()) continue;
        for (std::size_t i = 0; i < stream->element[1]->elements; ++i) {
          const redisReply* entry = stream->element[1]->element[i];
          if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2 ||
              entry->element[0]->type != REDIS_REPLY_STRING ||
              entry->element[1]->type != REDIS_REPLY_ARRAY)
            continue;
          streams_[which].last_id.assign(text(entry->element[0]));
          if (which == control)
            discovered(entry);
          else
            apply(which, entry);
        }
      }
    read();
  });
}

void CaptureLog::discovered(const redisReply* entry) {
  const redisReply* values = entry->element[1];
  std::string_view name;
  for (std::size_t i = 0; i + 1 < values->elements; i += 2)
    if (text(values->element[i]) == "o") name = text(values->element[i + 1]);
  if (name.empty() || name == replica_) return;
  for (const auto& s : streams_)
    if (s.replica == name) return;  // announced again: reconnected
  streams_.push_back({capture_key(prefix_, name), std::string(name), "0"});
  counters_.replicas.store(streams_.size() - 1, std::memory_order_relaxed);
  log::info("capture: reading another replica",
            {{"replica", std::string(name)}, {"replicas", std::to_string(streams_.size())}});
}

void CaptureLog::apply(std::size_t stream, const redisReply* entry) {
  const std::string& id = streams_[stream].last_id;
  const auto parsed = parse_entry_id(id);
  const EntryId at = parsed.value_or(EntryId{});
  const redisReply* values = entry->element[1];
  std::vector<std::pair<std::string_view, std::string_view>> fields;
  fields.reserve(values->elements / 2);
  for (std::size_t i = 0; i + 1 < values->elements; i += 2)
    fields.emplace_back(text(values->element[i]), text(values->element[i + 1]));
  std::string error;
  std::string_view origin, records;
  if (!split_entry(fields, origin, records, error)) {
    counters_.unreadable.fetch_add(1, std::memory_order_relaxed);
    return warn("capture: skipped an unreadable stream entry", id + ": " + error);
  }
  if (origin == replica_) return;  // done here before it was written (not read: never here)
  auto decoded = read_records(records, error);
  if (!decoded) {
    counters_.unreadable.fetch_add(1, std::memory_order_relaxed);
    return warn("capture: skipped an unreadable stream entry", id + ": " + error);
  }
  for (auto& record : *decoded) {
    auto& m = record.message;
    // A replica started with another --state-share: what this one does not share is skipped.
    if (!limits_.messages && (record.kind == EntryKind::message ||
                              record.kind == EntryKind::erase || record.kind == EntryKind::clear))
      continue;
    switch (record.kind) {
      case EntryKind::message: {
        if (!recent_set_.insert(m.queue_id).second) continue;  // a retried write
        recent_.push_back(m.queue_id);
        if (recent_.size() > recent_ids) {
          recent_set_.erase(recent_.front());
          recent_.pop_front();
        }
        // Deleted, or cleared by an entry newer than its own, read from another stream first.
        if (!order_.admit(m.queue_id, stream, at)) continue;
        store::StoredMessage copy;
        copy.message = std::move(m);
        copy.received_at = record.received_at;
        copy.origin.assign(origin);
        store_.keep_copy(std::move(copy));
        counters_.received.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      case EntryKind::erase:
        order_.erased(m.queue_id, store_.erase(m.queue_id, false));
        break;
      case EntryKind::clear:
        clear_older(stream, at);
        break;
      default:
        if (order_.attempt_current(at)) apply_attempt(record, at);
        continue;
    }
    counters_.removals.fetch_add(1, std::memory_order_relaxed);
  }
}

void CaptureLog::apply_attempt(CaptureRecord& r, EntryId at) {
  if (!attempts_) return;
  auto& a = r.attempt;
  switch (r.kind) {
    case EntryKind::attempt:
      attempts_->record(std::move(a), r.paced);
      break;
    case EntryKind::finished:  // recorded and completed: two changes
      attempts_->record(std::move(a), r.paced);
      counters_.attempts.fetch_add(1, std::memory_order_relaxed);
      break;
    case EntryKind::completed: {
      scenario::Completion how;
      how.reply = a.reply;
      how.outcome = a.outcome;
      how.stage = a.stage;
      how.at = a.at;
      how.paced = r.paced;
      how.stored = a.stored;
      attempts_->complete(a.session_id, a.rcpt, how);
      break;
    }
    case EntryKind::sent:
      attempts_->sent(a.session_id, a.at, r.how);
      break;
    case EntryKind::attempts_cleared:
      attempts_->clear();
      order_.attempts_cleared(at);
      break;
    default:
      return;
  }
  counters_.attempts.fetch_add(1, std::memory_order_relaxed);
}

void CaptureLog::recorded(const scenario::AttemptRecord& record, bool paced) {
  // Not held by the log (a refusal, a paced reply): shared at once.
  enqueue(text_op(EntryKind::attempt, attempt_record(record, paced)));
}

void CaptureLog::completed(std::string_view session_id, std::string_view rcpt,
                           const scenario::Completion& how) {
  // Its attempt was not held (shared as it stood after a sweep period): a change of its own.
  enqueue(text_op(EntryKind::completed, completed_record(session_id, rcpt, how)));
}

void CaptureLog::finished(const scenario::AttemptRecord& record, bool paced) {
  // The usual case: a message's transaction ends within milliseconds of its RCPTs.
  enqueue_held(record, EntryKind::finished, paced);
}

void CaptureLog::shared_as_it_stands(const scenario::AttemptRecord& record) {
  enqueue_held(record, EntryKind::attempt, false);
}

void CaptureLog::enqueue_held(const scenario::AttemptRecord& record, EntryKind kind, bool paced) {
  // Called under the attempt log's lock: a copy and a push, encoded on io_'s thread.
  Wake wake = Wake::none;
  {
    std::lock_guard lock(mutex_);
    std::unique_ptr<scenario::AttemptRecord> copy;
    if (spare_.empty()) {
      copy = std::make_unique<scenario::AttemptRecord>(record);
    } else {
      // A record sent already, its strings' buffers reused: no allocation here and no free on
      // the capture thread of memory this thread allocated.
      copy = std::move(spare_.back());
      spare_.pop_back();
      *copy = record;
    }
    const std::uint8_t changes = kind == EntryKind::finished ? 2 : 1;
    wake = enqueue_locked({kind, changes, paced, nullptr, std::move(copy)});
  }
  wake_up(wake);  // a post: never runs here
}

void CaptureLog::holding() {
  asio::post(io_, [this] { arm_hold(); });
}

void CaptureLog::arm_hold() {
  hold_timer_.expires_after(hold_period);
  hold_timer_.async_wait([this](boost::system::error_code ec) {
    // Those held through a whole period go as they stand, in the outbox's order with what
    // follows them (their completion, when it comes, finds them shared and goes as a change).
    if (!ec && attempts_ && attempts_->share_held()) arm_hold();
  });
}

void CaptureLog::sent(std::string_view session_id, std::chrono::system_clock::time_point at,
                      smtp::Sent how) {
  enqueue(text_op(EntryKind::sent, sent_record(session_id, at, how)));
}

void CaptureLog::cleared() {
  // The log's held attempts went with it: nothing of them is shared now.
  enqueue(text_op(EntryKind::attempts_cleared, attempts_cleared_record()));
}

void CaptureLog::warn(const char* what, std::string detail) {
  // One line a second at most: a Redis outage under load would otherwise flood the log.
  const auto now = std::chrono::steady_clock::now();
  if (now - last_warning_ < std::chrono::seconds(1)) return;
  last_warning_ = now;
  log::warn(what, {{"detail", std::move(detail)}});
}

}  // namespace bounceback::redis
