// The entries of the replicated capture (--state): what a replica writes to the Redis stream
// PREFIX "capture" when it captured messages or was asked to delete one or all, and how a
// replica reads them back. Pure: bytes in, bytes out (no hiredis, no clock). Unit-tested
// (tests/unit/redis/capture_entry_test.cpp).
#pragma once

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "scenario/attempt_log.hpp"
#include "smtp/message.hpp"

namespace bounceback::redis {

// The streams' keys, beside the tables' "<prefix><letter>:<hash>" keys: "<prefix>capture"
// their stem; a replica writes to "<prefix>capture:<replica>" and announces itself in
// "<prefix>replicas" (entries of one field, o: its name).
std::string capture_key(std::string_view prefix);
std::string capture_key(std::string_view prefix, std::string_view replica);
std::string replicas_key(std::string_view prefix);

// One entry of a replica's stream holds the records one write carried, in order (a writer under
// load packs what its outbox holds into one entry: one command, one reply, one entry for a reader
// to parse, and a reader skips a whole entry of its own by its origin). Its fields:
//   o  the replica that wrote it
//   v  the records' format, "1"
//   r  the records: each a kind, then for a message its id, received time (microseconds
//      since the epoch), envelope, DSN parameters, session facts and bytes; for an erase its
//      id; for a clear nothing; then the attempt log's changes: an attempt recorded, one
//      completed, a paced reply sent, the log cleared (scenario/attempt_log.hpp).
//      Every value is "<length>:<bytes>", so any byte may appear.
enum class EntryKind : char {
  message = 'm',
  erase = 'd',
  clear = 'c',
  attempt = 'a',
  completed = 'p',
  sent = 's',
  attempts_cleared = 'x',
  // An attempt recorded and completed, in one record (an attempt's fields, its outcome final):
  // two changes of the attempt log, shared once its transaction ended.
  finished = 'f',
};

struct CaptureRecord {
  EntryKind kind = EntryKind::message;
  smtp::AcceptedMessage message;  // erase: only queue_id; clear: empty
  std::chrono::system_clock::time_point received_at{};
  // attempt, finished: the record. completed: session_id, rcpt, reply, outcome, stage, at, stored
  // (the Completion). sent: session_id, at.
  scenario::AttemptRecord attempt;
  bool paced = false;                      // attempt, finished, completed
  smtp::Sent how = smtp::Sent::delivered;  // sent
};

// The attempt log's changes as whole records, ready to append to an entry's records.
std::string attempt_record(const scenario::AttemptRecord& record, bool paced,
                           EntryKind kind = EntryKind::attempt);  // or finished
// The same, appended to `records`.
void append_attempt_record(std::string& records, const scenario::AttemptRecord& record, bool paced,
                           EntryKind kind);
std::string completed_record(std::string_view session_id, std::string_view rcpt,
                             const scenario::Completion& how);
std::string sent_record(std::string_view session_id, std::chrono::system_clock::time_point at,
                        smtp::Sent how);
std::string attempts_cleared_record();

// Appends one record to `records`: `id` the message's (message, erase) or "" (clear);
// `message` and `received_at` are read for EntryKind::message only (null otherwise).
void append_record(std::string& records, EntryKind kind, std::string_view id,
                   const smtp::AcceptedMessage* message,
                   std::chrono::system_clock::time_point received_at);

// An entry's fields, as XREAD answers them: {field, value} pairs.
using Fields = std::span<const std::pair<std::string_view, std::string_view>>;
// The origin and the records of an entry; false (and `error` says why) on an entry this
// version cannot read.
bool split_entry(Fields fields, std::string_view& origin, std::string_view& records,
                 std::string& error);
// The records, in order; nullopt (and `error`) when any is malformed: an entry is applied
// whole or not at all.
std::optional<std::vector<CaptureRecord>> read_records(std::string_view records,
                                                       std::string& error);

}  // namespace bounceback::redis
