#pragma once
// The daemons' HTTP endpoint (docs/architecture.md): GET /metrics (Prometheus text from a render callback) and
// GET /healthz (from a health callback: 200 "ok" or 503 with the reason). Boost.Beast lives only in
// server.cpp. Anything else is 404; one request per connection read, keep-alive honoured.
//
// Two ways to run it:
// - Server on the caller's io_context (single-threaded daemons such as the agent supervisor, which
//   must never start a thread because it forks): handlers run on that io_context's thread.
// - StartThreadedServer: its own io_context and thread (the scheduler); the callbacks then run on
//   that thread and must be thread-safe (http::Registry::Render is).

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "panoptes/site_config.h"
#include "panoptes/status.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace panoptes::http {

struct Handlers {
  std::function<std::string()> metrics;  // body of GET /metrics
  // nullopt: healthy (200 "ok"); a string: unhealthy (503 with that text). Null function: healthy.
  std::function<std::optional<std::string>()> health;
};

class Server {
 public:
  // Binds `listen` (port 0: the kernel picks a free port, see port()) and starts accepting on
  // `io`. kIOError naming the address when it cannot bind. (The daemons treat a configured port 0
  // as "disabled" and do not call this.)
  static Result<std::unique_ptr<Server>> Listen(boost::asio::io_context& io, const HostPort& listen,
                                                Handlers handlers);
  ~Server();  // closes the listener; connections in flight finish on the io_context
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  int port() const;  // the port actually bound

 private:
  struct Impl;
  explicit Server(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

// A server with its own io_context and thread. Destruction stops the io_context and joins.
class ThreadedServer {
 public:
  virtual ~ThreadedServer() = default;
  virtual int port() const = 0;
};

// Binds (port 0 asks the kernel for a free port here) and serves on a new thread.
Result<std::unique_ptr<ThreadedServer>> StartThreadedServer(const HostPort& listen, Handlers handlers);

}  // namespace panoptes::http
