// Reads BDAT chunks (RFC 3030 §2): exactly chunk-size octets follow the command line whatever
// its reply will be, so a refused chunk is still read, then dropped. Appends accepted octets to
// the message within the size bound, and remembers for the rest of the transaction whether a
// chunk failed (those after it are refused) and whether one was accepted (DATA may not follow).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace bounceback::smtp {

class ChunkReader {
 public:
  // Starts a chunk from BDAT's argument "chunk-size [LAST]"; false when the argument is not
  // that: the chunk's length is unknown, so it cannot be read past (501, nothing started).
  // declared: the SIZE= of MAIL (0: none), for a large message's room (smtp/message_room.hpp).
  bool begin(std::string_view arg, std::uint64_t max_size, std::uint64_t declared = 0);
  // This chunk is read and dropped, and `reply` is owed once it is (a sequence error).
  void refuse(std::string_view reply) { error_ = reply; }
  // The Policy refused the transaction and its reply is sent: this chunk and the ones after it
  // are read and dropped without a reply of their own.
  void discard() { discard_ = failed_ = true; }
  // The first chunk was accepted: the transaction is now chunked.
  void accept() { accepted_ = true; }

  // Consumes up to the rest of the chunk; appends it to `body` unless refused, discarded or
  // over the size bound (then 552 is owed and `body` emptied). Returns the bytes consumed.
  std::size_t feed(std::string_view input, std::string& body);

  bool done() const { return remaining_ == 0; }
  bool last() const { return last_; }
  std::string_view error() const { return error_; }  // the reply owed at the end of the chunk
  bool discarding() const { return discard_; }
  bool failed() const { return failed_; }      // a chunk of this transaction failed
  bool accepted() const { return accepted_; }  // a chunk of this transaction was accepted

 private:
  std::uint64_t remaining_ = 0, max_size_ = 0, declared_ = 0;
  std::string_view error_;
  bool last_ = false, discard_ = false, failed_ = false, accepted_ = false;
};

}  // namespace bounceback::smtp
