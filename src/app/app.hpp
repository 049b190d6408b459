// The server as an object (Server), and the `serve` verb that runs one until SIGINT/SIGTERM.
// The embedded library (src/embedded) runs the same Server on a thread of its own. No Asio
// here: the parts live behind a pointer.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "app/settings.hpp"

namespace bounceback::api {
struct ApiContext;
}  // namespace bounceback::api

namespace bounceback::app {

// A configuration the server cannot start with. what() is the whole text to print (one or
// more lines, each ending in '\n'): `serve` prints it and exits 2.
struct StartError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The store, the scenario engine, the SMTP listeners and the HTTP API, wired on an IoPool
// (one io_context per thread), bound at construction, running until stop().
class Server {
 public:
  // Configures the log, loads the scenario, builds every part and binds every listener;
  // throws StartError.
  explicit Server(const Settings& settings);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // "kind=ADDR:PORT" per listener, with the port bound (port 0 picks one): smtp=127.0.0.1:40123,
  // http=..., smtps=..., lmtp=... (a UNIX socket: lmtp=PATH).
  const std::vector<std::string>& listeners() const;
  // What the HTTP API reads and steers: the store, the engine, the clock, apply_scenario...
  // Thread-safe as for the API's own thread; an in-process user calls the same.
  api::ApiContext& context();

  // Runs the event loops, one on the calling thread; returns once stop() has let every
  // session end.
  void run();
  // Stops accepting, closes the API, lets sessions finish within the grace period, then ends
  // run(). Thread-safe; a second call does nothing.
  void stop();

 private:
  struct Parts;
  std::unique_ptr<Parts> parts_;
};

// `bounceback serve`: returns the process exit code, 0 after a clean shutdown, 2 on bad
// configuration.
int serve(const Settings& settings);

}  // namespace bounceback::app
