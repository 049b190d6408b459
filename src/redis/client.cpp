// The hiredis adapter: hiredis says when it wants to read or write (the ev hooks); a wait on
// the socket's descriptor calls it back when it can. The descriptor is released, never
// closed, when hiredis frees the context: the socket is hiredis's.
#include "redis/client.hpp"

// First: sds.h has no extern "C" of its own, and hiredis.h includes it outside its own.
extern "C" {
#include <hiredis/sds.h>
}

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>

#include "log/log.hpp"

namespace bounceback::redis {

namespace asio = boost::asio;

// The context's socket on the io_context. Shared with the pending waits, which may outlive
// the context: `ac` is null once hiredis has freed it.
struct Client::Watch {
  Watch(asio::io_context& io, redisAsyncContext* c) : fd(io, c->c.fd), ac(c) {}
  asio::posix::stream_descriptor fd;
  redisAsyncContext* ac;
  bool reading = false, writing = false, read_armed = false, write_armed = false;
  bool flush_posted = false;
  bool flushing = false;  // in redisAsyncHandleWrite: a write left unfinished waits (arm_write)

  static void arm_read(const std::shared_ptr<Watch>& w) {
    if (w->read_armed || !w->reading || !w->ac) return;
    w->read_armed = true;
    w->fd.async_wait(asio::posix::stream_descriptor::wait_read, [w](boost::system::error_code ec) {
      w->read_armed = false;
      if (ec || !w->ac || !w->reading) return;
      redisAsyncHandleRead(w->ac);  // may free the context (cleanup clears ac)
      arm_read(w);
    });
  }
  static void arm_write(const std::shared_ptr<Watch>& w) {
    if (w->write_armed || !w->writing || !w->ac) return;
    w->write_armed = true;
    w->fd.async_wait(asio::posix::stream_descriptor::wait_write, [w](boost::system::error_code ec) {
      w->write_armed = false;
      if (ec || !w->ac || !w->writing) return;
      w->flushing = true;
      redisAsyncHandleWrite(w->ac);
      w->flushing = false;
      arm_write(w);
    });
  }
  // A command queued on a connected socket: written by a handler posted on this thread (the
  // commands queued meanwhile go with it), not once the reactor reports the socket writable.
  // That report costs an epoll round, and with Asio's edge-triggered epoll an idle socket's
  // writability may only be reported with the next reply or ACK. Posted rather than written
  // here: a write that fails disconnects, calling the replies' callbacks, never from within
  // the call that queued one. Still writing after it (the socket's buffer full): waits for
  // writability (not another post: that would spin while Redis reads).
  static void flush_soon(const std::shared_ptr<Watch>& w) {
    if (w->flush_posted || !w->ac) return;
    w->flush_posted = true;
    asio::post(w->fd.get_executor(), [w] {
      w->flush_posted = false;
      if (!w->ac || !w->writing) return;
      w->flushing = true;
      redisAsyncHandleWrite(w->ac);  // may free the context (cleanup clears ac)
      w->flushing = false;
      arm_write(w);
    });
  }
};

namespace {

// Commands at least this big are written straight from the caller's buffer (Client::formatted).
constexpr std::size_t direct_write = 4096;

Client* owner(const redisAsyncContext* ac) {
  return static_cast<Client*>(ac->data);
}

}  // namespace

Client::Client(asio::io_context& io, Url url, std::function<void(bool)> on_change, bool scripts)
    : io_(io),
      url_(std::move(url)),
      on_change_(std::move(on_change)),
      retry_(io),
      scripts_(scripts) {}

Client::~Client() {
  stop();
}

void Client::start() {
  stopped_ = false;
  connect();
}

void Client::stop() {
  stopped_ = true;
  retry_.cancel();
  if (ac_) {
    ac_->data = nullptr;  // no callback into a client that is going away
    redisAsyncFree(ac_);  // calls every pending reply's callback with null, then cleanup
    ac_ = nullptr;
  }
  connected_ = false;
}

void Client::connect() {
  // A host name is resolved here, blocking this thread: the store's own, never an I/O one.
  redisAsyncContext* ac = redisAsyncConnect(url_.host.c_str(), url_.port);
  if (!ac) return retry_later();
  if (ac->err) {
    log::warn("state: cannot connect to redis", {{"host", url_.host}, {"error", ac->errstr}});
    redisAsyncFree(ac);
    return retry_later();
  }
  ac_ = ac;
  ac->data = this;
  watch_ = std::make_shared<Watch>(io_, ac);
  ac->ev.data = watch_.get();
  ac->ev.addRead = [](void* p) {
    auto* w = static_cast<Watch*>(p);
    w->reading = true;
    // The shared pointer lives in the client as long as the context does.
    Watch::arm_read(owner(w->ac)->watch_);
  };
  ac->ev.delRead = [](void* p) { static_cast<Watch*>(p)->reading = false; };
  ac->ev.addWrite = [](void* p) {
    auto* w = static_cast<Watch*>(p);
    w->writing = true;
    // Connecting: hiredis learns that the connection is made when the socket is writable.
    Client* self = owner(w->ac);
    if (!self) return;
    if (self->connected_ && !w->flushing)
      Watch::flush_soon(self->watch_);
    else
      Watch::arm_write(self->watch_);
  };
  ac->ev.delWrite = [](void* p) { static_cast<Watch*>(p)->writing = false; };
  ac->ev.cleanup = [](void* p) {
    auto* w = static_cast<Watch*>(p);
    w->ac = nullptr;
    w->reading = w->writing = false;
    boost::system::error_code ignored;
    w->fd.cancel(ignored);
    w->fd.release();  // hiredis closes the socket
  };
  redisAsyncSetConnectCallback(ac, &Client::on_connect);
  redisAsyncSetDisconnectCallback(ac, &Client::on_disconnect);
  // Sent first once connected: the database, then the scripts (EVALSHA needs them loaded).
  if (url_.db != 0) redisAsyncCommand(ac, nullptr, nullptr, "SELECT %u", url_.db);
  if (scripts_)
    for (const Script* s : {&decide_script(), &quota_script(), &clear_script()})
      redisAsyncCommand(ac, nullptr, nullptr, "SCRIPT LOAD %b", s->source.data(), s->source.size());
}

void Client::on_connect(const redisAsyncContext* ac, int status) {
  Client* self = owner(ac);
  if (!self) return;
  if (status != REDIS_OK) {
    // hiredis frees the context after this callback.
    log::warn("state: cannot connect to redis",
              {{"host", self->url_.host}, {"error", ac->errstr ? ac->errstr : "?"}});
    self->ac_ = nullptr;
    return self->retry_later();
  }
  self->connected_ = true;
  self->backoff_ = std::chrono::milliseconds(100);
  log::info("state: connected to redis", {{"host", self->url_.host}, {"port", self->url_.port}});
  if (self->on_change_) self->on_change_(true);
}

void Client::on_disconnect(const redisAsyncContext* ac, int status) {
  Client* self = owner(ac);
  if (!self) return;
  self->ac_ = nullptr;  // freed by hiredis after this callback
  self->lost(status == REDIS_OK ? "closed" : (ac->errstr ? ac->errstr : "error"));
}

void Client::lost(const char* why) {
  const bool was = std::exchange(connected_, false);
  log::warn("state: lost the connection to redis", {{"host", url_.host}, {"error", why}});
  if (was && on_change_) on_change_(false);
  retry_later();
}

void Client::retry_later() {
  if (stopped_) return;
  retry_.expires_after(backoff_);
  backoff_ = std::min(backoff_ * 2, std::chrono::milliseconds(5000));
  retry_.async_wait([this](boost::system::error_code ec) {
    if (!ec && !stopped_ && !ac_) connect();
  });
}

void Client::on_reply(redisAsyncContext*, void* reply, void* privdata) {
  const std::unique_ptr<Callback> done(static_cast<Callback*>(privdata));
  (*done)(static_cast<const redisReply*>(reply));
}

bool Client::command(const std::vector<std::string>& argv, Callback done) {
  std::vector<std::string_view> views(argv.begin(), argv.end());
  return command(std::span<const std::string_view>(views), std::move(done));
}

bool Client::command(std::span<const std::string_view> argv, Callback done) {
  if (!connected_ || !ac_) return false;
  std::vector<const char*> parts;
  std::vector<std::size_t> sizes;
  parts.reserve(argv.size());
  sizes.reserve(argv.size());
  for (const auto& a : argv) {
    parts.push_back(a.data());
    sizes.push_back(a.size());
  }
  auto* cb = new Callback(std::move(done));
  if (redisAsyncCommandArgv(ac_, &Client::on_reply, cb, static_cast<int>(parts.size()),
                            parts.data(), sizes.data()) != REDIS_OK) {
    delete cb;
    return false;
  }
  return true;
}

bool Client::formatted(std::string_view resp, Callback done) {
  if (!connected_ || !ac_ || (ac_->c.flags & (REDIS_DISCONNECTING | REDIS_FREEING))) return false;
  auto* cb = new Callback(std::move(done));
  // Nothing of an earlier command waiting in hiredis's output buffer: a big command is written
  // to the socket from the caller's buffer, not copied into that buffer first (a capture entry
  // is tens of KiB); only what the socket does not take now is. hiredis still registers the
  // reply's callback: given the command's head and no bytes, it reads the command's name from
  // the head (to tell a SUBSCRIBE) and appends nothing. The order of the replies holds: the
  // bytes of every earlier command are on the wire already.
  std::size_t sent = 0;
  if (resp.size() >= direct_write && sdslen(ac_->c.obuf) == 0) {
    const ssize_t n = ::send(ac_->c.fd, resp.data(), resp.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) sent = static_cast<std::size_t>(n);
  }
  if (redisAsyncFormattedCommand(ac_, &Client::on_reply, cb, resp.data(), sent ? 0 : resp.size()) !=
      REDIS_OK) {
    delete cb;  // not sent: hiredis refuses only a context that is going away (tested above)
    return false;
  }
  if (sent && sent < resp.size())
    ac_->c.obuf = sdscatlen(ac_->c.obuf, resp.data() + sent, resp.size() - sent);
  return true;
}

}  // namespace bounceback::redis
