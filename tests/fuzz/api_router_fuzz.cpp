// Fuzzes the HTTP API's routing and handlers (api/router.hpp) without sockets. The input is
// a request: "METHOD TARGET\nAuthorization value\nbody..." (the target split at '?' and the
// query decoded as the transport does). The store holds a few messages and sessions.
// Invariants: a status 200-499 (a hostile request never makes a 5xx), JSON bodies parse,
// extra headers carry no CR/LF, ids never escape to anything but a lookup, waits are bounded.
#include <boost/json/parse.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "api/router.hpp"
#include "api/url.hpp"
#include "fuzz_support.hpp"

using namespace bounceback;

namespace {

struct World {
  std::shared_ptr<api::AdjustableClock> clock = std::make_shared<api::AdjustableClock>();
  scenario::Engine engine{clock};
  store::MessageStore messages{16};
  store::SessionLog sessions{store::SessionBudget{16, 1 << 20, 64 << 10}};
  net::ServerCounters counters;
  api::ReplyMonitor replies{engine};
  api::ApiContext ctx{
      messages,
      sessions,
      engine,
      *clock,
      counters,
      &replies,
      [this](std::shared_ptr<const scenario::Scenario> s) { engine.set_scenario(std::move(s)); },
      ""};
  api::Router router{ctx};

  void refill() {
    if (messages.size() >= 2) return;
    for (int i = 0; i < 2; ++i) {
      smtp::SessionFacts facts;
      facts.id = "abc123-" + std::to_string(i);
      facts.client_ip = "127.0.0.1";
      auto record = sessions.open(facts);
      record->line(true, "EHLO x");
      record->line(false, "250 ok\r\n");
      smtp::AcceptedMessage m;
      m.queue_id = facts.id + ".1";
      m.from = "a@example.test";
      m.rcpts.push_back({"b@example.test", {}});
      m.data = "Subject: hi\r\nFrom: <a@example.test>\r\n\r\nbody\r\n";
      m.session_id = facts.id;
      messages.store(std::move(m));
      record->end();
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static World world;
  world.refill();
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto take_line = [&input] {
    const auto nl = input.find('\n');
    const std::string_view line = input.substr(0, nl);
    input.remove_prefix(nl == std::string_view::npos ? input.size() : nl + 1);
    return line;
  };
  const std::string_view first = take_line();
  api::Request request;
  const auto sp = first.find(' ');
  request.method = first.substr(0, sp);
  const std::string_view target = sp == std::string_view::npos ? "/" : first.substr(sp + 1);
  const auto q = target.find('?');
  request.path = target.substr(0, q);
  if (q != std::string_view::npos) {
    auto query = api::parse_query(target.substr(q + 1));
    if (!query) return 0;  // the transport answers 400 itself
    request.query = std::move(*query);
  }
  request.authorization = take_line();
  request.body = input;

  api::Response r = world.router.handle(request);
  if (r.stream) {  // a streamed body: put it together to check it
    FUZZ_CHECK(r.body.empty());
    while (r.stream(r.body)) {
    }
  }
  FUZZ_CHECK(r.status >= 200 && r.status < 500);
  FUZZ_CHECK(!r.content_type.empty());
  FUZZ_CHECK(r.content_type.find_first_of("\r\n") == std::string::npos);
  for (const auto& [name, value] : r.headers)
    FUZZ_CHECK((name + value).find_first_of("\r\n") == std::string::npos);
  if (r.content_type == "application/json" && !r.body.empty()) {
    boost::system::error_code ec;
    boost::json::parse(r.body, ec);
    FUZZ_CHECK(!ec);
  }
  if (r.deferred.kind == api::Deferred::Kind::wait) {
    FUZZ_CHECK(r.deferred.timeout <= world.ctx.routes.max_wait);
    // What the transport answers once a message matches: a page, valid JSON.
    std::uint64_t checked = 0;
    if (const auto found = world.router.wait_check(r.deferred.filter,
                                                   {r.deferred.start, r.deferred.limit}, checked)) {
      boost::system::error_code ec;
      const auto v = boost::json::parse(found->body, ec);
      FUZZ_CHECK(!ec && v.as_object().at("count").to_number<std::uint64_t>() <= r.deferred.limit);
    }
  }
  return 0;
}
