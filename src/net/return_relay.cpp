// The return relay's SMTP client: one coroutine per message, attempts with back-off.
#include "net/return_relay.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <memory>

#include "log/log.hpp"
#include "net/endpoint.hpp"

namespace bounceback::net {

namespace asio = boost::asio;
namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t max_reply = 4096;  // a reply longer than this is a broken relay

// What one attempt came to: the last reply (0 when the connection failed or timed out).
struct Attempt {
  int code = 0;
  std::string reply;  // its text, or what went wrong
};

// RFC 5321 §4.5.2: a line starting with '.' gets one more; the data ends with CRLF.CRLF.
std::string dot_stuffed(const std::string& data) {
  std::string out;
  out.reserve(data.size() + data.size() / 64 + 8);
  bool line_start = true;
  for (const char c : data) {
    if (line_start && c == '.') out += '.';
    out += c;
    line_start = c == '\n';
  }
  if (!out.ends_with("\r\n")) out += "\r\n";
  out += ".\r\n";
  return out;
}

// One SMTP conversation; the watchdog closes the socket when a step outlasts its timeout.
asio::awaitable<Attempt> attempt(asio::ip::tcp::endpoint endpoint, const std::string& helo,
                                 const smtp::AcceptedMessage& m) {
  auto executor = co_await asio::this_coro::executor;
  asio::ip::tcp::socket socket(executor);
  asio::steady_timer watchdog(executor);
  const auto arm = [&] {
    watchdog.expires_after(ReturnRelay::reply_timeout);
    watchdog.async_wait([&socket](boost::system::error_code ec) {
      if (!ec) socket.close();
    });
  };
  std::string buffer;
  Attempt result;
  // Reads one (multi-line) reply; false when the connection failed or timed out.
  const auto read_reply = [&]() -> asio::awaitable<bool> {
    for (;;) {
      arm();
      auto [ec, n] = co_await asio::async_read_until(
          socket, asio::dynamic_buffer(buffer, max_reply), "\r\n", use_tuple);
      if (ec) {
        result = {0, "reading the reply: " + ec.message()};
        co_return false;
      }
      const std::string line = buffer.substr(0, n - 2);
      buffer.erase(0, n);
      if (line.size() < 3) {
        result = {0, "malformed reply: " + line};
        co_return false;
      }
      result.code = std::atoi(line.substr(0, 3).c_str());
      result.reply = line;
      if (line.size() == 3 || line[3] != '-') co_return true;
    }
  };
  const auto command = [&](std::string line) -> asio::awaitable<bool> {
    arm();
    auto [ec, n] = co_await asio::async_write(socket, asio::buffer(line), use_tuple);
    if (ec) {
      result = {0, "writing: " + ec.message()};
      co_return false;
    }
    co_return co_await read_reply();
  };

  arm();
  if (auto [ec] = co_await socket.async_connect(endpoint, use_tuple); ec) {
    watchdog.cancel();
    co_return Attempt{0, "connect: " + ec.message()};
  }
  const std::string to = m.rcpts.empty() ? std::string() : m.rcpts.front().address;
  // One step at a time (GCC 12 miscompiles co_await inside a chain of &&).
  bool ok = co_await read_reply() && result.code == 220;
  if (ok) ok = co_await command("EHLO " + helo + "\r\n") && result.code == 250;
  if (ok) ok = co_await command("MAIL FROM:<" + m.from + ">\r\n") && result.code == 250;
  if (ok) ok = co_await command("RCPT TO:<" + to + ">\r\n") && result.code / 100 == 2;
  if (ok) ok = co_await command("DATA\r\n") && result.code == 354;
  if (ok) ok = co_await command(dot_stuffed(m.data));
  if (ok) {
    const Attempt final = result;
    co_await command("QUIT\r\n");  // its reply does not change the outcome
    result = final;
  }
  watchdog.cancel();
  co_return result;
}

}  // namespace

ReturnRelay::ReturnRelay(asio::io_context& io, const std::string& relay, std::string helo)
    : io_(io), endpoint_(parse_endpoint(relay)), relay_(relay), helo_(std::move(helo)) {}

void ReturnRelay::send(const smtp::AcceptedMessage& message) {
  if (counters_.in_flight.load() >= max_in_flight) {
    counters_.failed.fetch_add(1);
    log::warn("return relay: too many deliveries in flight, message not sent",
              {{"id", message.queue_id}, {"relay", relay_}});
    return;
  }
  counters_.in_flight.fetch_add(1);
  auto copy = std::make_shared<smtp::AcceptedMessage>();
  copy->queue_id = message.queue_id;
  copy->from = message.from;
  copy->rcpts = message.rcpts;
  copy->data = message.data;
  auto deliver = [this, copy]() -> asio::awaitable<void> {
    asio::steady_timer pause(io_);
    std::chrono::seconds backoff{1};
    for (int n = 1;; ++n) {
      const Attempt a = co_await attempt(endpoint_, helo_, *copy);
      if (a.code == 250) {
        counters_.delivered.fetch_add(1);
        log::info("return relay: delivered",
                  {{"id", copy->queue_id}, {"relay", relay_}, {"reply", a.reply}});
        break;
      }
      const bool permanent = a.code >= 500;
      if (permanent || n == max_attempts) {
        counters_.failed.fetch_add(1);
        log::warn("return relay: given up",
                  {{"id", copy->queue_id}, {"relay", relay_}, {"attempts", n}, {"reply", a.reply}});
        break;
      }
      counters_.retried.fetch_add(1);
      log::info("return relay: will retry",
                {{"id", copy->queue_id}, {"relay", relay_}, {"attempt", n}, {"reply", a.reply}});
      pause.expires_after(backoff);
      co_await pause.async_wait(use_tuple);
      backoff *= 2;
    }
    counters_.in_flight.fetch_sub(1);
  };
  asio::co_spawn(io_, std::move(deliver), [this](std::exception_ptr e) {
    if (!e) return;
    counters_.in_flight.fetch_sub(1);
    counters_.failed.fetch_add(1);
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      log::error("return relay: delivery failed", {{"error", x.what()}});
    }
  });
}

}  // namespace bounceback::net
