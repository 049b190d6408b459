// The SMTP listeners: plain, implicit-TLS and LMTP addresses (each runs the accept loop of
// net/listener.hpp), one coroutine per connection on one context of an IoPool, connection
// limit, graceful shutdown.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "net/address_limit.hpp"
#include "net/server_counters.hpp"
#include "net/settings.hpp"
#include "smtp/event.hpp"
#include "smtp/session.hpp"
#include "store/message_store.hpp"
#include "store/session_log.hpp"

namespace boost::asio {
class io_context;
namespace ssl {
class context;
}
}  // namespace boost::asio

namespace bounceback::net {

class IoPool;

// How the server meets a TLS ClientHello (scenario [server] tls_handshake).
enum class HandshakeFault {
  none,   // completes the handshake
  abort,  // reads the ClientHello, answers a fatal handshake_failure alert, closes
  close,  // reads the ClientHello, closes without a word
};

// The TLS a session gets: the certificate presented, and any scripted handshake fault.
struct TlsChoice {
  std::shared_ptr<boost::asio::ssl::context> context;
  HandshakeFault fault = HandshakeFault::none;
};

// What every connection shares. The session config and the TLS choice are swapped whole when
// the scenario changes; a session keeps the ones it started with.
struct ServerContext {
  Settings settings;  // the transport's (net/settings.hpp)
  std::atomic<std::shared_ptr<const smtp::SessionConfig>> config;
  smtp::Policy* policy = nullptr;
  store::MessageStore* store = nullptr;
  store::SessionLog* sessions = nullptr;
  std::atomic<std::shared_ptr<const TlsChoice>> tls;  // null: no STARTTLS, no SMTPS
  ServerCounters counters;
  AddressLimit per_ip;  // open connections per client address
  // The start of session ids (and so of message ids): "" gives a short prefix from the start
  // time, enough for one process; --state sets a random one per replica (app/app.cpp), so
  // that ids are unique among the replicas sharing a capture.
  std::string session_id_prefix;
};

class SmtpServer {
 public:
  // Listens and stops on pool.main(); hands connections to the pool's contexts in turn.
  SmtpServer(IoPool& pool, ServerContext& context);
  ~SmtpServer();

  // Binds "ADDR:PORT" ("[::1]:25" for IPv6); throws std::runtime_error with a clear message.
  // Returns the bound port (useful with port 0).
  std::uint16_t listen(const std::string& address, bool implicit_tls);
  // An LMTP listener (RFC 2033): "ADDR:PORT", or a UNIX socket path (net/endpoint.hpp,
  // is_socket_path; returns 0), removed when the server stops.
  std::uint16_t listen_lmtp(const std::string& address);
  // Stops accepting, lets sessions finish within the grace period, then closes the rest
  // with 421 4.3.2. `done` runs once every session has ended.
  void stop(std::function<void()> done);

 private:
  std::uint16_t listen_as(const std::string& address, std::string_view kind);
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace bounceback::net
