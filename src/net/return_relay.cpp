// The return relay's SMTP client: one coroutine per message, attempts with back-off; each
// attempt resolves the relay's name, connects to its addresses in turn, and speaks SMTP over
// plain TCP or, after STARTTLS, over TLS.
#include "net/return_relay.hpp"

#include <openssl/ssl.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <charconv>
#include <stdexcept>

#include "log/log.hpp"
#include "smtp/command.hpp"

namespace bounceback::net {

namespace asio = boost::asio;
namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t max_reply = 4096;  // a reply longer than this is a broken relay

// What one attempt came to: the last reply (0 when the connection failed or timed out).
struct Attempt {
  int code = 0;
  std::string reply;        // its text, or what went wrong
  std::string tls;          // "TLSv1.3 TLS_AES_256_GCM_SHA384" once under TLS, else ""
  bool tls_failed = false;  // the TLS handshake failed (under `may`, the next attempt skips it)
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

// "host:port" or "[v6]:port" into its parts; throws std::runtime_error naming the text.
ReturnRelay::Target parse_target(const std::string& text) {
  ReturnRelay::Target t;
  t.text = text;
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0)
    throw std::runtime_error("expected HOST:PORT, got '" + text + "'");
  t.host = text.substr(0, colon);
  t.port = text.substr(colon + 1);
  if (t.host.front() == '[') {
    if (t.host.size() < 3 || t.host.back() != ']')
      throw std::runtime_error("expected [IPv6]:PORT, got '" + text + "'");
    t.host = t.host.substr(1, t.host.size() - 2);
  } else if (t.host.find(':') != std::string::npos) {
    throw std::runtime_error("an IPv6 address goes in brackets: [" + t.host + "]:PORT");
  }
  unsigned port = 0;
  const auto [end, ec] = std::from_chars(t.port.data(), t.port.data() + t.port.size(), port);
  if (ec != std::errc{} || end != t.port.data() + t.port.size() || port == 0 || port > 65535)
    throw std::runtime_error("bad port in '" + text + "'");
  return t;
}

bool is_address(const std::string& host) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

// The EHLO reply line names this extension ("250-STARTTLS", "250 STARTTLS").
bool offers(std::string_view line, std::string_view keyword) {
  if (line.size() < 4) return false;
  line.remove_prefix(4);
  const auto end = line.find(' ');
  return smtp::iequals(line.substr(0, end), keyword);
}

// One SMTP conversation; the watchdog closes the socket when a step outlasts its timeout.
asio::awaitable<Attempt> attempt(const ReturnRelay::Target& target, asio::ssl::context* tls_context,
                                 bool skip_tls, const smtp::AcceptedMessage& m) {
  auto executor = co_await asio::this_coro::executor;
  asio::ip::tcp::socket socket(executor);
  asio::steady_timer watchdog(executor);
  asio::ip::tcp::resolver resolver(executor);
  const auto arm = [&] {
    watchdog.expires_after(ReturnRelay::reply_timeout);
    watchdog.async_wait([&](boost::system::error_code ec) {
      if (ec) return;
      resolver.cancel();
      socket.close();
    });
  };
  std::unique_ptr<asio::ssl::stream<asio::ip::tcp::socket&>> tls;
  std::string buffer;
  Attempt result;
  bool starttls_offered = false;
  // Reads one (multi-line) reply; false when the connection failed or timed out.
  const auto read_reply = [&]() -> asio::awaitable<bool> {
    starttls_offered = false;
    for (;;) {
      arm();
      auto [ec, n] = tls ? co_await asio::async_read_until(
                               *tls, asio::dynamic_buffer(buffer, max_reply), "\r\n", use_tuple)
                         : co_await asio::async_read_until(
                               socket, asio::dynamic_buffer(buffer, max_reply), "\r\n", use_tuple);
      if (ec) {
        result.code = 0;
        result.reply = "reading the reply: " + ec.message();
        co_return false;
      }
      const std::string line = buffer.substr(0, n - 2);
      buffer.erase(0, n);
      if (line.size() < 3) {
        result.code = 0;
        result.reply = "malformed reply: " + line;
        co_return false;
      }
      result.code = std::atoi(line.substr(0, 3).c_str());
      result.reply = line;
      starttls_offered = starttls_offered || offers(line, "STARTTLS");
      if (line.size() == 3 || line[3] != '-') co_return true;
    }
  };
  const auto command = [&](std::string line) -> asio::awaitable<bool> {
    arm();
    auto [ec, n] = tls ? co_await asio::async_write(*tls, asio::buffer(line), use_tuple)
                       : co_await asio::async_write(socket, asio::buffer(line), use_tuple);
    if (ec) {
      result.code = 0;
      result.reply = "writing: " + ec.message();
      co_return false;
    }
    co_return co_await read_reply();
  };
  const auto failed = [&](std::string why) {
    watchdog.cancel();
    result.code = 0;
    result.reply = std::move(why);
    return result;
  };

  arm();
  auto [resolve_error, addresses] =
      co_await resolver.async_resolve(target.host, target.port, use_tuple);
  if (resolve_error) co_return failed("resolving " + target.host + ": " + resolve_error.message());
  arm();
  if (auto [ec, ep] = co_await asio::async_connect(socket, addresses, use_tuple); ec)
    co_return failed("connect: " + ec.message());

  // One step at a time (GCC 12 miscompiles co_await inside a chain of &&).
  bool ok = co_await read_reply() && result.code == 220;
  if (ok) ok = co_await command("EHLO " + target.helo + "\r\n") && result.code == 250;
  const bool want_tls = target.tls != RelayTls::none && tls_context && !skip_tls;
  const bool must_tls = target.tls == RelayTls::encrypt || target.tls == RelayTls::verify;
  if (ok && must_tls && !starttls_offered) {
    co_await command("QUIT\r\n");
    co_return failed("the relay does not offer STARTTLS, which --return-relay-tls " +
                     std::string(target.tls == RelayTls::verify ? "verify" : "encrypt") +
                     " requires");
  }
  if (ok && want_tls && starttls_offered) {
    ok = co_await command("STARTTLS\r\n");
    if (ok && result.code != 220 && !must_tls) {
      // RFC 3207 §4: the session goes on as before; `may` sends in plain text.
      log::info("return relay: STARTTLS refused, sending in plain text",
                {{"relay", target.text}, {"reply", result.reply}});
    } else if (ok && result.code != 220) {
      ok = false;
    } else if (ok) {
      tls = std::make_unique<asio::ssl::stream<asio::ip::tcp::socket&>>(socket, *tls_context);
      if (!is_address(target.host))  // SNI (RFC 6066 §3) names a host, never an address
        SSL_set_tlsext_host_name(tls->native_handle(), target.host.c_str());
      if (target.tls == RelayTls::verify)
        tls->set_verify_callback(asio::ssl::host_name_verification(target.host));
      buffer.clear();  // RFC 3207 §4.2: nothing read before the handshake counts
      arm();
      if (auto [ec] = co_await tls->async_handshake(asio::ssl::stream_base::client, use_tuple);
          ec) {
        auto a = failed("TLS handshake: " + ec.message());
        a.tls_failed = true;
        co_return a;
      }
      result.tls = std::string(SSL_get_version(tls->native_handle())) + " " +
                   SSL_get_cipher_name(tls->native_handle());
      ok = co_await command("EHLO " + target.helo + "\r\n") && result.code == 250;  // §4.2
    }
  }
  const std::string to = m.rcpts.empty() ? std::string() : m.rcpts.front().address;
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

std::unique_ptr<asio::ssl::context> client_context(const Settings& s) {
  if (s.return_relay_tls == RelayTls::none) return nullptr;
  auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                   asio::ssl::context::no_tlsv1_1);
  if (s.return_relay_tls != RelayTls::verify) {
    // may and encrypt: opportunistic TLS (RFC 7435) checks no certificate, as Postfix's do.
    ctx->set_verify_mode(asio::ssl::verify_none);
    return ctx;
  }
  boost::system::error_code ec;
  if (s.return_relay_ca.empty())
    ctx->set_default_verify_paths(ec);
  else
    ctx->load_verify_file(s.return_relay_ca, ec);
  if (ec)
    throw std::runtime_error("cannot read the CA certificates of --return-relay-ca " +
                             (s.return_relay_ca.empty() ? "(the system's)" : s.return_relay_ca) +
                             ": " + ec.message());
  ctx->set_verify_mode(asio::ssl::verify_peer);
  return ctx;
}

}  // namespace

ReturnRelay::ReturnRelay(asio::io_context& io, const Settings& settings, std::string helo)
    : io_(io), target_(parse_target(settings.return_relay)), tls_(client_context(settings)) {
  target_.tls = settings.return_relay_tls;
  target_.helo = std::move(helo);
}

ReturnRelay::~ReturnRelay() = default;

void ReturnRelay::send(const smtp::AcceptedMessage& message) {
  if (counters_.in_flight.load() >= max_in_flight) {
    counters_.failed.fetch_add(1);
    log::warn("return relay: too many deliveries in flight, message not sent",
              {{"id", message.queue_id}, {"relay", target_.text}});
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
    bool skip_tls = false;
    for (int n = 1;; ++n) {
      const Attempt a = co_await attempt(target_, tls_.get(), skip_tls, *copy);
      if (a.code == 250) {
        counters_.delivered.fetch_add(1);
        log::info("return relay: delivered", {{"id", copy->queue_id},
                                              {"relay", target_.text},
                                              {"tls", a.tls.empty() ? "none" : a.tls},
                                              {"reply", a.reply}});
        break;
      }
      const bool permanent = a.code >= 500;
      if (permanent || n == max_attempts) {
        counters_.failed.fetch_add(1);
        log::warn(
            "return relay: given up",
            {{"id", copy->queue_id}, {"relay", target_.text}, {"attempts", n}, {"reply", a.reply}});
        break;
      }
      // Postfix's `may`: a relay whose TLS fails gets the message in plain text next time.
      skip_tls = skip_tls || (a.tls_failed && target_.tls == RelayTls::may);
      counters_.retried.fetch_add(1);
      log::info(
          "return relay: will retry",
          {{"id", copy->queue_id}, {"relay", target_.text}, {"attempt", n}, {"reply", a.reply}});
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
