// One io_context per I/O thread (see io_pool.hpp).
#include "net/io_pool.hpp"

#include <pthread.h>

#include <string>
#include <thread>

namespace bounceback::net {

IoPool::IoPool(unsigned threads) : api_(std::make_unique<boost::asio::io_context>(1)) {
  if (threads == 0) threads = 1;
  contexts_.reserve(threads);
  guards_.reserve(threads + 1);
  for (unsigned i = 0; i < threads; ++i) {
    // Concurrency hint 1: one thread runs each context (posts from others stay safe).
    contexts_.push_back(std::make_unique<boost::asio::io_context>(1));
    guards_.push_back(boost::asio::make_work_guard(*contexts_.back()));
  }
  guards_.push_back(boost::asio::make_work_guard(*api_));
}

IoPool::~IoPool() = default;

boost::asio::io_context& IoPool::next() {
  return *contexts_[next_.fetch_add(1, std::memory_order_relaxed) % contexts_.size()];
}

void IoPool::run() {
  std::vector<std::thread> threads;
  threads.reserve(contexts_.size());
  // Named for top -H, perf and bench/api-load.py, which reads each thread's CPU from /proc.
  for (std::size_t i = 1; i < contexts_.size(); ++i)
    threads.emplace_back([this, i] {
      pthread_setname_np(pthread_self(), ("bb-smtp-" + std::to_string(i)).c_str());
      contexts_[i]->run();
    });
  threads.emplace_back([this] {
    pthread_setname_np(pthread_self(), "bb-api");
    api_->run();
  });
  contexts_.front()->run();
  for (auto& t : threads) t.join();
}

void IoPool::stop() {
  for (auto& c : contexts_) c->stop();
  api_->stop();
}

}  // namespace bounceback::net
