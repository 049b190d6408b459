// The connection (see connection.hpp). Expected I/O outcomes are error codes, never
// exceptions; a watchdog coroutine enforces the idle and session deadlines by cancelling
// the socket, so no timer is armed per read.
#include "net/connection.hpp"

#include <openssl/ssl.h>
#include <poll.h>

#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "log/log.hpp"
#include "net/spool_replies.hpp"
#include "proxy/header.hpp"
#include "smtp/session.hpp"
#include "smtp/session_driver.hpp"

namespace bounceback::net {

namespace asio = boost::asio;
using asio::awaitable;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

namespace {

std::atomic<std::uint64_t> session_numbers{0};

// A short random prefix per process keeps ids unique across restarts sharing a spool.
const std::string& id_prefix() {
  static const std::string prefix = [] {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%06x",
                  static_cast<unsigned>(Clock::now().time_since_epoch().count() & 0xffffff));
    return std::string(buf);
  }();
  return prefix;
}

class Connection {
 public:
  Connection(tcp::socket socket, const tcp::endpoint& remote, ServerContext& ctx, bool lmtp)
      : socket_(std::move(socket)),
        remote_(remote),
        ctx_(ctx),
        lmtp_(lmtp),
        watchdog_(socket_.get_executor()),
        pacer_(socket_.get_executor()) {
    generated_.connection = this;
    generated_.executor = socket_.get_executor();
  }

  awaitable<void> run(bool implicit_tls, std::shared_ptr<ConnectionControl> control);

 private:
  awaitable<void> serve(bool implicit_tls);
  awaitable<void> drive(smtp::Session& session, bool implicit_tls);
  awaitable<void> watchdog();
  awaitable<void> hang();
  awaitable<bool> store_on_disk(smtp::AcceptedMessage& message);
  awaitable<void> settle_generated();
  static awaitable<void> consult(smtp::Inquiry& inquiry);
  awaitable<std::tuple<boost::system::error_code, std::size_t>> write(std::string_view bytes);
  awaitable<bool> handshake(smtp::Session* session);
  awaitable<void> refuse_handshake(HandshakeFault fault);
  bool expects_proxy_header() const;
  awaitable<std::string_view> read_proxy_header(proxy::Header& header);
  awaitable<bool> take_proxy_header(std::string& client_ip, std::uint16_t& client_port);
  awaitable<void> close();
  bool client_closed();
  void touch() { deadline_ = Clock::now() + ctx_.settings.idle_timeout; }
  // Deadlines sooner than the one the watchdog sleeps until wake it, so that it re-arms.
  void expect_handshake_within(Clock::duration within) {
    deadline_ = Clock::now() + within;
    watchdog_.cancel();
  }
  void end_within(Clock::duration within) {
    session_deadline_ = std::min(session_deadline_, Clock::now() + within);
    watchdog_.cancel();
  }

  tcp::socket socket_;
  tcp::endpoint remote_;  // as accept() reported it
  std::optional<asio::ssl::stream<tcp::socket&>> tls_;
  std::shared_ptr<const TlsChoice> tls_choice_;  // as when the session started
  ServerContext& ctx_;
  bool lmtp_;  // accepted by an LMTP listener: the session is told (SessionFacts::lmtp)
  asio::steady_timer watchdog_, pacer_;
  Clock::time_point deadline_{}, session_deadline_{};
  Clock::time_point shutdown_at_ = Clock::time_point::max();  // a scenario's shutdown_after
  bool timed_out_ = false, stopping_ = false;
  bool reset_ = false;                    // close with a TCP RST (drop = "reset")
  ConnectionControl* control_ = nullptr;  // while run() runs
  // With a spool: the generated messages (a DSN due at once) that this connection's last
  // message caused and the spool has not kept yet. The writer's finish answers through the
  // loop's SpoolReplies, like the message's own; `pending` is counted on this connection's
  // thread only, so the connection waits for zero before it can go, and no answer is left
  // queued for it then (each answer is counted before its wake).
  struct Generated final : store::PendingWrites, SpoolReplies::Waiter {
    Connection* connection = nullptr;
    asio::any_io_executor executor;  // the connection's
    std::shared_ptr<SpoolReplies> replies;
    std::size_t pending = 0;
    void started() override {
      if (!replies) {
        replies = SpoolReplies::of(executor);
        wake = [](Waiter& w) {
          auto& self = static_cast<Generated&>(w);
          self.pending -= self.woken;
          if (self.pending == 0) self.connection->pacer_.cancel();
        };
      }
      ++pending;
    }
    void finished() override { replies->answer(*this); }
  } generated_;
};

awaitable<void> Connection::run(bool implicit_tls, std::shared_ptr<ConnectionControl> control) {
  using namespace asio::experimental::awaitable_operators;
  control_ = control.get();
  control->interrupt = [this] {
    stopping_ = true;
    end_within(ctx_.settings.last_words);  // the 421 4.3.2, then close
    boost::system::error_code ignored;
    socket_.cancel(ignored);
    pacer_.cancel();
  };
  touch();
  session_deadline_ = Clock::now() + ctx_.settings.session_timeout;
  co_await (serve(implicit_tls) || watchdog());
  control->interrupt = nullptr;
  control_ = nullptr;
}

awaitable<void> Connection::watchdog() {
  for (;;) {
    watchdog_.expires_at(std::min({deadline_, session_deadline_, shutdown_at_}));
    co_await watchdog_.async_wait(use_tuple);
    // Cancelled because serve() ended: the connection is over.
    if ((co_await asio::this_coro::cancellation_state).cancelled() != asio::cancellation_type::none)
      co_return;
    if (Clock::now() >= shutdown_at_) {
      // The scenario's shutdown: as at a server's (interrupt), the 421 4.3.2, then close.
      shutdown_at_ = Clock::time_point::max();
      stopping_ = true;
      end_within(ctx_.settings.last_words);
      boost::system::error_code ignored;
      socket_.cancel(ignored);
      pacer_.cancel();
    } else if (Clock::now() >= std::min(deadline_, session_deadline_)) {
      timed_out_ = true;
      boost::system::error_code ignored;
      socket_.cancel(ignored);
      pacer_.cancel();
      // The 421 that follows gets a bound of its own: a client that stopped reading must
      // not hold the connection open on a blocked write.
      session_deadline_ = Clock::now() + ctx_.settings.last_words;
    }
  }
}

// Not a coroutine: it hands back async_write's own awaitable, so a reply allocates no
// coroutine frame (Asio never recycles frames over ~2 KiB: each costs a malloc).
awaitable<std::tuple<boost::system::error_code, std::size_t>> Connection::write(
    std::string_view bytes) {
  touch();
  ctx_.counters.bytes_out.fetch_add(bytes.size(), std::memory_order_relaxed);
  if (tls_) return asio::async_write(*tls_, asio::buffer(bytes), use_tuple);
  return asio::async_write(socket_, asio::buffer(bytes), use_tuple);
}

awaitable<bool> Connection::handshake(smtp::Session* session) {
  if (!tls_choice_) co_return false;
  expect_handshake_within(ctx_.settings.handshake_timeout);
  if (tls_choice_->fault != HandshakeFault::none) {
    co_await refuse_handshake(tls_choice_->fault);
    co_return false;
  }
  tls_.emplace(socket_, *tls_choice_->context);
  auto [ec] = co_await tls_->async_handshake(asio::ssl::stream_base::server, use_tuple);
  if (ec) {
    ctx_.counters.tls_failures.fetch_add(1, std::memory_order_relaxed);
    log::info("tls handshake failed", {{"error", ec.message()}});
    co_return false;
  }
  ctx_.counters.tls_handshakes.fetch_add(1, std::memory_order_relaxed);
  touch();
  SSL* ssl = tls_->native_handle();
  if (session) session->tls_started(SSL_get_version(ssl), SSL_get_cipher_name(ssl));
  co_return true;
}

// A scripted handshake fault: reads the ClientHello record (so closing sends no RST), then
// answers a fatal handshake_failure alert (abort) or nothing (close); the caller closes.
awaitable<void> Connection::refuse_handshake(HandshakeFault fault) {
  unsigned char header[5];
  auto [ec, n] = co_await asio::async_read(socket_, asio::buffer(header), use_tuple);
  if (!ec && header[0] == 22) {  // a handshake record
    std::vector<unsigned char> body(static_cast<std::size_t>(header[3]) << 8 | header[4]);
    std::tie(ec, n) = co_await asio::async_read(socket_, asio::buffer(body), use_tuple);
  }
  ctx_.counters.tls_failures.fetch_add(1, std::memory_order_relaxed);
  log::info("tls handshake refused by the scenario",
            {{"tls_handshake", fault == HandshakeFault::abort ? "abort" : "close"}});
  if (!ec && fault == HandshakeFault::abort) {
    // TLS record: alert, legacy version 1.2, length 2: level fatal, handshake_failure(40).
    static constexpr unsigned char alert[] = {21, 3, 3, 0, 2, 2, 40};
    co_await asio::async_write(socket_, asio::buffer(alert), use_tuple);
  }
}

// --proxy-protocol: whether this peer must begin with a PROXY header (a --proxy-from peer, or
// any TCP peer when there is no --proxy-from). A UNIX-socket peer (--lmtp PATH, its address
// unspecified) never does: balancers reach TCP ports.
bool Connection::expects_proxy_header() const {
  const auto a = remote_.address();
  if (a.is_unspecified()) return false;
  const auto& from = ctx_.settings.proxy_from;
  if (from.empty()) return true;
  const auto v6 = a.is_v4() ? asio::ip::make_address_v6(asio::ip::v4_mapped, a.to_v4()) : a.to_v6();
  return from.contains(v6.to_bytes());
}

// Reads the PROXY header, within --proxy-timeout. It peeks, so nothing after the header is
// taken from the session: only bytes known to be the header's are consumed. Returns why it
// failed ("" on success).
awaitable<std::string_view> Connection::read_proxy_header(proxy::Header& header) {
  expect_handshake_within(ctx_.settings.proxy_timeout);
  std::array<char, proxy::max_header> bytes;
  std::size_t have = 0;
  for (;;) {
    auto [ec] = co_await socket_.async_wait(tcp::socket::wait_read, use_tuple);
    if (timed_out_) co_return "no complete header within --proxy-timeout";
    if (ec || stopping_) co_return "the connection ended before its header";
    const auto seen = socket_.receive(asio::buffer(bytes.data() + have, bytes.size() - have),
                                      tcp::socket::message_peek, ec);
    if (ec || seen == 0) co_return "the connection ended before its header";
    const auto result = proxy::parse({bytes.data(), have + seen});
    if (result.status == proxy::Status::invalid) co_return result.error;
    // Complete: take the rest of the header. Incomplete: all that was seen is the header's.
    const auto take = result.status == proxy::Status::complete ? result.header.length - have : seen;
    asio::read(socket_, asio::buffer(bytes.data() + have, take), ec);
    if (ec) co_return "the connection ended before its header";
    have += take;
    if (result.status == proxy::Status::complete) {
      header = result.header;
      touch();
      co_return "";
    }
  }
}

// Reads the PROXY header and, unless it is LOCAL, puts the client it names in `client_ip` and
// `client_port`; false (logged, counted) when there is no valid one. Its own coroutine: the
// frame of serve() does not grow for connections without --proxy-protocol.
awaitable<bool> Connection::take_proxy_header(std::string& client_ip, std::uint16_t& client_port) {
  proxy::Header header;
  if (const auto error = co_await read_proxy_header(header); !error.empty()) {
    ctx_.counters.proxy_refused.fetch_add(1, std::memory_order_relaxed);
    log::info("proxy header refused", {{"peer", client_ip}, {"error", error}});
    timed_out_ = false;
    co_return false;
  }
  ctx_.counters.proxy_headers.fetch_add(1, std::memory_order_relaxed);
  if (!header.local) {
    log::debug("proxy header", {{"peer", client_ip}, {"client", header.client_ip}});
    client_ip = std::move(header.client_ip);
    client_port = header.client_port;
  }
  co_return true;
}

awaitable<void> Connection::close() {
  boost::system::error_code ignored;
  if (reset_) {
    // SO_LINGER on with a 0 timeout: close() discards what is unsent and sends a RST.
    socket_.set_option(tcp::socket::linger(true, 0), ignored);
  } else if (tls_ && !timed_out_) {
    // A bounded close_notify; a client that does not answer is not waited for.
    end_within(ctx_.settings.last_words);
    co_await tls_->async_shutdown(use_tuple);
  }
  // No shutdown(): close() sends the FIN, and most clients have closed first (ENOTCONN).
  socket_.close(ignored);
}

// Whether the client has closed its side (a FIN or a reset arrived), without reading: POLLRDHUP
// sees it behind unread input too. A client that only half-closes and still reads counts as
// gone: the SMTP clients that time out close the whole connection.
bool Connection::client_closed() {
#ifndef POLLRDHUP  // Linux's; elsewhere only a reset or hang-up is seen
  constexpr short POLLRDHUP = 0;
#endif
  pollfd p{socket_.native_handle(), POLLIN | POLLRDHUP, 0};
  return ::poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

// Says nothing until the client gives up (or the idle deadline passes). A client that only
// half-closes (Exim pipelines QUIT, then shuts its write side) is still waiting for a reply:
// as with a hung MX, the connection stays until the client resets it or a deadline passes
// (the watchdog's cancel ends the wait).
awaitable<void> Connection::hang() {
  char sink[512];
  for (;;) {
    boost::system::error_code ec;
    if (tls_)
      std::tie(ec, std::ignore) = co_await tls_->async_read_some(asio::buffer(sink), use_tuple);
    else
      std::tie(ec, std::ignore) = co_await socket_.async_read_some(asio::buffer(sink), use_tuple);
    if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) {
      if (control_) control_->hung_after_eof.store(true, std::memory_order_relaxed);
      std::tie(ec) = co_await socket_.async_wait(tcp::socket::wait_error, use_tuple);
      co_return;
    }
    if (ec) co_return;
  }
}

// With a spool: the spool's writer commits the message with the others that arrive meanwhile
// (one flush for the group; woken once the loop has served this round's other sessions) and
// wakes this connection through its loop's SpoolReplies, while the loop serves other
// sessions. Then the message is kept in memory, on this thread.
awaitable<bool> Connection::store_on_disk(smtp::AcceptedMessage& message) {
  SpoolReplies::Reply write;
  const auto received_at = ctx_.store->prepare(message);
  write.message = &message;
  write.replies = SpoolReplies::of(socket_.get_executor());
  write.timer = &pacer_;  // not in use while a message is stored
  write.finish = &SpoolReplies::finish;
  write.replies->submit(*ctx_.store->spool(), write);
  // The write lives in this frame: wait until it is finished, whatever else cancels the timer
  // (a shutdown, a timeout); the session then goes on as it would have.
  while (!write.finished) {
    pacer_.expires_at(Clock::time_point::max());
    co_await pacer_.async_wait(use_tuple);
  }
  co_return ctx_.store->keep(std::move(message), received_at, write.ok);
}

// The DSN, auto-reply or complaint due at once that the message just stored caused is spooled
// without blocking this event loop (MessageStore::store_later); the message's reply waits for
// it, so a client that has its 250 finds the DSN listed, as without a spool. Whatever else
// cancels the timer meanwhile (a shutdown, a timeout), the wait goes on: the spool finishes
// every write it was given, refused or not.
awaitable<void> Connection::settle_generated() {
  while (generated_.pending > 0) {
    pacer_.expires_at(Clock::time_point::max());
    co_await pacer_.async_wait(use_tuple);
  }
}

// The Policy's Inquiry (a Redis round trip) is carried out elsewhere; its callback resumes
// this coroutine on its own executor. The Inquiry bounds its own time: never a hang. The
// caller keeps it alive; the initiation captures a plain pointer because GCC 12 destroys a
// class-type temporary of a co_await expression twice (a shared_ptr would lose a reference).
awaitable<void> Connection::consult(smtp::Inquiry& inquiry) {
  co_await asio::async_initiate<const asio::use_awaitable_t<>&, void()>(
      [asked = &inquiry](auto handler) {
        auto resume = std::make_shared<decltype(handler)>(std::move(handler));
        asked->start([resume] {
          const auto executor = asio::get_associated_executor(*resume);
          asio::post(executor, std::move(*resume));
        });
      },
      asio::use_awaitable);
}

// Carries out the session driver's effects until the session is over. The read and the
// write are awaited here, not in coroutines of their own: no frame is allocated per read.
awaitable<void> Connection::drive(smtp::Session& session, bool implicit_tls) {
  auto& counters = ctx_.counters;
  boost::system::error_code ec;
  using Kind = smtp::Effect::Kind;
  smtp::SessionDriver driver(session, ctx_.settings.read_buffer);
  driver.write_before_store(ctx_.store->spool() != nullptr);
  smtp::Effect effect{Kind::close};
  if (!implicit_tls || co_await handshake(&session)) effect = driver.start();
  while (effect.kind != Kind::close && effect.kind != Kind::reset) {
    switch (effect.kind) {
      case Kind::read: {
        // Idle connections hold no read buffer: wait for data first (plain TCP only; TLS may
        // have decrypted bytes buffered already).
        if (!driver.has_buffer() && !tls_)
          co_await socket_.async_wait(tcp::socket::wait_read, use_tuple);
        const auto space = driver.read_space();
        std::size_t n = 0;
        if (!timed_out_ && !stopping_) {
          if (tls_)
            std::tie(ec, n) = co_await tls_->async_read_some(asio::buffer(space), use_tuple);
          else
            std::tie(ec, n) = co_await socket_.async_read_some(asio::buffer(space), use_tuple);
        }
        if (timed_out_) {
          counters.timeouts.fetch_add(1, std::memory_order_relaxed);
          timed_out_ = false;  // let the last reply be written, within the last words' bound
          effect = driver.timed_out();
        } else if (stopping_) {
          effect = driver.shutting_down();
        } else if (ec) {
          effect = driver.end_of_input();  // eof, reset: the client is gone
        } else {
          counters.bytes_in.fetch_add(n, std::memory_order_relaxed);
          touch();
          effect = driver.received(n);
        }
        break;
      }
      case Kind::write: {
        // A late reply's client may have given up meanwhile: look before writing, as a
        // write to a closed peer still succeeds (the attempt log says who got the reply).
        const bool left = effect.ends_paced_reply && client_closed();
        auto [wec, n] = co_await write(effect.bytes);
        effect = wec ? driver.write_failed() : driver.written(left);
        break;
      }
      case Kind::wait:
        pacer_.expires_after(effect.interval);
        co_await pacer_.async_wait(use_tuple);
        effect = stopping_ || timed_out_ ? driver.interrupted() : driver.waited();
        break;
      case Kind::start_tls:
        if (co_await handshake(nullptr)) {
          SSL* ssl = tls_->native_handle();
          effect = driver.tls_started(SSL_get_version(ssl), SSL_get_cipher_name(ssl));
        } else {
          effect = {Kind::close};
        }
        break;
      case Kind::store:
        // In memory: inline, on this thread (the hot path). On disk: by the spool's writer.
        if (!ctx_.store->spool()) {
          effect = driver.stored(ctx_.store->store(std::move(driver.message())));
        } else {
          const bool ok = co_await store_on_disk(driver.message());
          {
            const store::PendingWrites::Scope scope(generated_);  // the reactions due at once
            effect = driver.stored(ok);
          }
          co_await settle_generated();
        }
        break;
      case Kind::consult: {
        co_await consult(*driver.inquiry());  // the session holds it until it is answered
        effect = driver.consulted();
        break;
      }
      case Kind::hang:
        co_await hang();
        effect = {Kind::close};
        break;
      case Kind::arm_shutdown:
        shutdown_at_ = Clock::now() + effect.interval;
        watchdog_.cancel();  // sooner than what it sleeps until: it re-arms
        effect = driver.armed();
        break;
      case Kind::close:
      case Kind::reset:
        break;
    }
  }
  reset_ = effect.kind == Kind::reset;
}

awaitable<void> Connection::serve(bool implicit_tls) {
  auto& counters = ctx_.counters;
  const auto config = ctx_.config.load();
  tls_choice_ = ctx_.tls.load();
  // Beyond a connection limit: the 421, then close, no session.
  auto refuse = [&](const std::string& wire) -> awaitable<void> {
    counters.refused.fetch_add(1, std::memory_order_relaxed);
    counters.current.fetch_sub(1);
    co_await write(wire);
    co_await close();
  };
  if (counters.current.fetch_add(1) >= ctx_.settings.max_connections) {
    co_await refuse(config->too_many_connections);
    co_return;
  }
  const bool known = remote_.port() != 0 || !remote_.address().is_unspecified();
  std::string client_ip = known ? remote_.address().to_string() : "unknown";
  auto client_port = remote_.port();
  // A balancer's connection: the client is the one its PROXY header names. Without a valid
  // header, closed without a banner (as HAProxy's backends do): nothing was said to anyone.
  if (ctx_.settings.proxy_protocol && expects_proxy_header() &&
      !co_await take_proxy_header(client_ip, client_port)) {
    counters.current.fetch_sub(1);
    co_await close();
    co_return;
  }
  const AddressLimit::Slot slot(ctx_.per_ip, client_ip, ctx_.settings.max_connections_per_ip);
  if (!slot) {
    counters.refused_per_ip.fetch_add(1, std::memory_order_relaxed);
    co_await refuse(config->too_many_from_address);
    co_return;
  }
  counters.sessions.fetch_add(1, std::memory_order_relaxed);

  smtp::SessionFacts facts;
  facts.number = ++session_numbers;
  const auto& prefix = ctx_.session_id_prefix;
  facts.id = (prefix.empty() ? id_prefix() : prefix) + '-' + std::to_string(facts.number);
  facts.client_ip = client_ip;
  facts.client_port = client_port;
  facts.lmtp = lmtp_;
#ifndef __linux__  // Linux: inherited from the listener (SmtpServer::listen)
  boost::system::error_code ec;
  socket_.set_option(tcp::no_delay(true), ec);
#endif
  const auto record = ctx_.sessions->open(facts);
  log::debug("session opened", {{"session", facts.id}, {"client", facts.client_ip}});
  smtp::Session session(config, *ctx_.policy, record.get(), std::move(facts));

  co_await drive(session, implicit_tls);
  co_await close();
  record->update(session.facts());
  record->end();
  counters.current.fetch_sub(1);
  // One info line per session, written when it ends (a second, at open, cost ~4 us/session).
  const auto& f = session.facts();
  if (log::enabled(log::Level::info))
    log::info("session closed", {{"session", f.id},
                                 {"client", f.client_ip},
                                 {"messages", f.messages},
                                 {"tls", f.tls},
                                 {"tls_version", f.tls_version},
                                 {"user", f.auth_user}});
}

}  // namespace

awaitable<void> serve_connection(tcp::socket socket, tcp::endpoint remote, ServerContext& context,
                                 bool implicit_tls, bool lmtp,
                                 std::shared_ptr<ConnectionControl> control) {
  Connection connection(std::move(socket), remote, context, lmtp);
  co_await connection.run(implicit_tls, std::move(control));
}

}  // namespace bounceback::net
