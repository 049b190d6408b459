// A Redis connection on an Asio io_context: hiredis's asynchronous API, its socket watched
// with a posix::stream_descriptor (no event library of hiredis's own), reconnecting with
// back-off. Used from the io_context's one thread only.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "redis/state_script.hpp"

struct redisAsyncContext;
struct redisReply;

namespace bounceback::redis {

class Client {
 public:
  // The reply, or null when the connection was lost before it came.
  using Callback = std::function<void(const redisReply*)>;

  // `on_change(up)`: the connection came up (true) or went down (false). `scripts`: the state
  // scripts are loaded on each connection (EVALSHA needs them); the capture's need none.
  Client(boost::asio::io_context& io, Url url, std::function<void(bool)> on_change,
         bool scripts = true);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  void start();  // connects; on the io_context's thread
  void stop();   // disconnects for good
  bool connected() const { return connected_; }
  // Sends `argv`; false (and no callback) when not connected.
  bool command(const std::vector<std::string>& argv, Callback done);
  // The same from views: the bytes are copied once, into hiredis's output buffer.
  bool command(std::span<const std::string_view> argv, Callback done);
  // A command already in RESP (an array of bulk strings), copied once into hiredis's output
  // buffer: a caller that builds a big argument in place saves hiredis's formatting copy.
  bool formatted(std::string_view resp, Callback done);

 private:
  struct Watch;
  static void on_connect(const redisAsyncContext* ac, int status);
  static void on_disconnect(const redisAsyncContext* ac, int status);
  static void on_reply(redisAsyncContext* ac, void* reply, void* privdata);
  void connect();
  void lost(const char* why);
  void retry_later();

  boost::asio::io_context& io_;
  Url url_;
  std::function<void(bool)> on_change_;
  redisAsyncContext* ac_ = nullptr;
  std::shared_ptr<Watch> watch_;
  boost::asio::steady_timer retry_;
  std::chrono::milliseconds backoff_{100};
  bool connected_ = false, stopped_ = false;
  const bool scripts_;
};

}  // namespace bounceback::redis
