#pragma once
// The systemd notify protocol (sd_notify(3)), written here rather than linking libsystemd: one
// datagram with "KEY=VALUE\n..." lines sent to the AF_UNIX socket named by $NOTIFY_SOCKET (a path,
// or an abstract socket when it starts with '@'). Without $NOTIFY_SOCKET every call is a no-op.
// Also $WATCHDOG_USEC: the interval at which WATCHDOG=1 must be sent.
//
// Thread safety: a Notifier may be used from one thread at a time.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "panoptes/status.h"

namespace panoptes::process {

class Notifier {
 public:
  // Reads $NOTIFY_SOCKET and $WATCHDOG_USEC (and $WATCHDOG_PID: ignored unless it is our pid).
  Notifier();
  // For tests: an explicit socket address ("" disables), no watchdog.
  explicit Notifier(std::string socket_address);

  bool enabled() const { return !address_.empty(); }
  // Sends `state` (e.g. "READY=1", "STOPPING=1", "WATCHDOG=1", "STATUS=..."). Ok (doing nothing)
  // when disabled; kIOError when the datagram cannot be sent.
  Status Notify(std::string_view state) const;
  Status Ready() const { return Notify("READY=1"); }
  Status Stopping() const { return Notify("STOPPING=1"); }
  Status Reloading() const { return Notify("RELOADING=1"); }
  Status Watchdog() const { return Notify("WATCHDOG=1"); }

  // Half the watchdog interval when systemd asked for one, else nullopt.
  std::optional<std::chrono::milliseconds> watchdog_period() const { return watchdog_period_; }

 private:
  std::string address_;
  std::optional<std::chrono::milliseconds> watchdog_period_;
};

}  // namespace panoptes::process
