// The entries of the replicated capture (--state): what a replica writes to the Redis stream
// PREFIX "capture" when it captured a message or was asked to delete one or all, and how a
// replica reads them back. Pure: bytes in, bytes out (no hiredis, no clock). Unit-tested
// (tests/unit/redis/capture_entry_test.cpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "smtp/message.hpp"

namespace bounceback::redis {

// The stream's key: "<prefix>capture", beside the tables' "<prefix><letter>:<hash>" keys.
std::string capture_key(std::string_view prefix);

// What an entry says. Its stream fields: k (the kind's letter), o (the replica that wrote
// it), i (a message id; empty for clear), and for a message t (received, microseconds since
// the epoch), e (the envelope and session facts, encode_envelope) and b (the exact bytes).
enum class EntryKind : char { message = 'm', erase = 'd', clear = 'c' };

struct CaptureEntry {
  EntryKind kind = EntryKind::message;
  std::string origin;
  smtp::AcceptedMessage message;  // erase: only queue_id; clear: empty
  std::chrono::system_clock::time_point received_at{};
};

// The envelope, the DSN parameters and the session's facts of a message (all but its bytes)
// as one value: a version, then each field as "<length>:<bytes>", in a fixed order.
std::string encode_envelope(const smtp::AcceptedMessage& m);
// Fills every field encode_envelope wrote (not queue_id, not data); false on malformed text.
bool decode_envelope(std::string_view text, smtp::AcceptedMessage& m);

// An entry's stream fields, ready for XADD: views into the message given and into the
// strings held here (the envelope, the time), so the bytes of a message are not copied.
struct EncodedEntry {
  std::string envelope, time;
  std::vector<std::pair<std::string_view, std::string_view>> fields;
};
// `id`: the message's (message, erase) or "" (clear); `message` and `received_at` are read
// for EntryKind::message only (null otherwise).
void encode_entry(EntryKind kind, std::string_view origin, std::string_view id,
                  const smtp::AcceptedMessage* message,
                  std::chrono::system_clock::time_point received_at, EncodedEntry& out);

// An entry from its stream fields ({field, value} pairs, as XREAD answers them); nullopt on
// an entry this version cannot read (`error` says why: the log skips it and counts it).
using Fields = std::span<const std::pair<std::string_view, std::string_view>>;
std::optional<CaptureEntry> decode_entry(Fields fields, std::string& error);

}  // namespace bounceback::redis
