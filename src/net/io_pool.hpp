// One io_context per I/O thread. A connection lives on one context, so it needs no strand
// and its completions never wake another thread; the SMTP acceptor hands each accepted
// socket to the next context in turn (with --reuse-port on, each context has a listening
// socket of its own and keeps what it accepts). Context 0 is run by the thread that calls run() and
// also serves the signal handler. The HTTP API has a context of its own, outside the round
// robin, on its own thread: building a large response never delays an SMTP reply.
#pragma once

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <cstddef>
#include <memory>
#include <vector>

namespace bounceback::net {

class IoPool {
 public:
  explicit IoPool(unsigned threads);
  ~IoPool();
  IoPool(const IoPool&) = delete;
  IoPool& operator=(const IoPool&) = delete;

  boost::asio::io_context& main() { return *contexts_.front(); }
  boost::asio::io_context& api() { return *api_; }
  // The context for the next connection (round robin; thread-safe).
  boost::asio::io_context& next();
  // The SMTP contexts, 0 (main()) to size() - 1.
  std::size_t size() const { return contexts_.size(); }
  boost::asio::io_context& at(std::size_t i) { return *contexts_[i]; }

  // Runs every context (and the API's), context 0 on the calling thread; returns once
  // stop() was called and every thread has returned.
  void run();
  // Stops every context (thread-safe); pending work is abandoned.
  void stop();

 private:
  using Guard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
  std::unique_ptr<boost::asio::io_context> api_;
  std::vector<Guard> guards_;  // the contexts run until stop(), even with no work
  std::atomic<std::size_t> next_{0};
};

}  // namespace bounceback::net
