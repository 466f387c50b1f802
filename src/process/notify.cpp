#include "process/notify.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>

#include "process/process.h"

namespace panoptes::process {

Notifier::Notifier() {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  if (socket != nullptr) address_ = socket;
  const char* usec = std::getenv("WATCHDOG_USEC");
  const char* wpid = std::getenv("WATCHDOG_PID");
  bool ours = wpid == nullptr || std::atol(wpid) == static_cast<long>(::getpid());
  if (usec != nullptr && ours) {
    long long us = std::atoll(usec);
    if (us > 0) watchdog_period_ = std::chrono::milliseconds(us / 2000);
  }
}

Notifier::Notifier(std::string socket_address) : address_(std::move(socket_address)) {}

Status Notifier::Notify(std::string_view state) const {
  if (address_.empty()) return Status::Ok();
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (address_.size() >= sizeof(addr.sun_path)) {
    return Status::InvalidArgument("NOTIFY_SOCKET too long: " + address_);
  }
  memcpy(addr.sun_path, address_.data(), address_.size());
  socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address_.size());
  if (address_[0] == '@') {
    addr.sun_path[0] = '\0';  // abstract namespace: no terminating NUL counted
  } else {
    len += 1;
  }
  UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return Status::IOError(std::string("notify socket: ") + strerror(errno));
  ssize_t sent = ::sendto(fd.get(), state.data(), state.size(), MSG_NOSIGNAL,
                          reinterpret_cast<const sockaddr*>(&addr), len);
  if (sent < 0) return Status::IOError("notify " + address_ + ": " + strerror(errno));
  return Status::Ok();
}

}  // namespace panoptes::process
