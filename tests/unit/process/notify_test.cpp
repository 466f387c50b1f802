#include "process/notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include <gtest/gtest.h>

#include "process/process.h"

namespace panoptes::process {
namespace {

// A datagram socket bound to `address` ('@' prefix: abstract).
UniqueFd BindDatagram(const std::string& address) {
  UniqueFd fd(socket(AF_UNIX, SOCK_DGRAM, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  memcpy(addr.sun_path, address.data(), address.size());
  socklen_t len = offsetof(sockaddr_un, sun_path) + address.size();
  if (address[0] == '@')
    addr.sun_path[0] = '\0';
  else
    len += 1;
  EXPECT_EQ(bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), len), 0) << strerror(errno);
  return fd;
}

std::string Receive(int fd) {
  char buf[256];
  ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

TEST(Unit, NotifySendsTheStateToAnAbstractSocket) {
  std::string address = "@panoptes-notify-test-" + std::to_string(getpid());
  UniqueFd listener = BindDatagram(address);
  Notifier notifier(address);
  ASSERT_TRUE(notifier.enabled());
  ASSERT_TRUE(notifier.Ready().ok());
  EXPECT_EQ(Receive(listener.get()), "READY=1");
  ASSERT_TRUE(notifier.Watchdog().ok());
  EXPECT_EQ(Receive(listener.get()), "WATCHDOG=1");
}

TEST(Unit, NotifySendsTheStateToAPathSocket) {
  std::string path = "/tmp/panoptes-notify-test-" + std::to_string(getpid());
  unlink(path.c_str());
  UniqueFd listener = BindDatagram(path);
  ASSERT_TRUE(Notifier(path).Stopping().ok());
  EXPECT_EQ(Receive(listener.get()), "STOPPING=1");
  unlink(path.c_str());
}

TEST(Unit, NotifyIsANoOpWithoutSocketAndAnErrorWithADeadOne) {
  EXPECT_TRUE(Notifier("").Ready().ok());
  EXPECT_FALSE(Notifier("").enabled());
  EXPECT_FALSE(Notifier("/tmp/panoptes-no-such-socket-xyz").Ready().ok());
}

}  // namespace
}  // namespace panoptes::process
