#pragma once
// The scheduler's GET /metrics (Prometheus text from `render`) and GET /healthz ("ok") listener,
// on its own thread. Port 0 in [http] scheduler_listen disables it.
// Thread safety: `render` is called on the listener thread.

#include <functional>
#include <memory>
#include <string>

#include "panoptes/site_config.h"
#include "panoptes/status.h"

namespace panoptes::scheduler {

class MetricsServer {
 public:
  virtual ~MetricsServer() = default;  // stops the listener and joins its thread
  // The port actually bound (useful when asked for an ephemeral one).
  virtual int port() const = 0;
};

// Binds and starts serving. kIOError naming the address when it cannot bind. With port 0 returns
// a server that does nothing.
Result<std::unique_ptr<MetricsServer>> StartMetricsServer(const HostPort& listen,
                                                          std::function<std::string()> render);

}  // namespace panoptes::scheduler
