// Tests of the shared test fixtures themselves (tests/support): everyone's integration tests rely
// on them starting and stopping only what they own.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>

#include <gtest/gtest.h>

#include "support/redis_server.h"

namespace panoptes::testing {
namespace {

using namespace std::chrono_literals;

TEST(Integration, RedisServerMovesToAnotherPortWhenItsPortIsTaken) {
  int port = FreeLoopbackPort();
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(listen(fd, 1), 0);  // a listener that never answers PING

  RedisServer server(RedisServerOptions{"", {}, port});
  ASSERT_TRUE(server.Start());
  EXPECT_NE(server.port(), port);
  EXPECT_EQ(server.Cli({"PING"}), "PONG");
  close(fd);
}

TEST(Integration, RedisServerStopRestartAndKillOnlyTouchTheirOwnProcess) {
  RedisServer server;
  ASSERT_TRUE(server.Start());
  pid_t first = server.pid();
  ASSERT_EQ(server.Cli({"SET", "k", "v"}), "OK");
  server.Stop();
  EXPECT_FALSE(server.running());
  EXPECT_EQ(kill(first, 0), -1) << "the stopped child is gone and reaped";
  int port = server.port();
  ASSERT_TRUE(server.Restart());
  EXPECT_EQ(server.port(), port) << "a restart keeps the port";
  EXPECT_EQ(server.Cli({"GET", "k"}), "") << "no persistence: --save ''";
  server.Kill();
  EXPECT_FALSE(server.running());
}

TEST(Integration, RedisServerIsNotStoppedByAForkedChild) {
  RedisServer server;
  ASSERT_TRUE(server.Start());
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    server.Stop();  // as a forked worker's cleanup might: must not touch the parent's server
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_EQ(server.Cli({"PING"}), "PONG");
  EXPECT_TRUE(server.running());
}

TEST(Integration, WaitUntilReportsWhatItWaitedFor) {
  auto result = WaitUntil([] { return false; }, 20ms, "the moon to turn blue");
  ASSERT_FALSE(result);
  EXPECT_NE(std::string(result.message()).find("the moon to turn blue"), std::string::npos);
  EXPECT_TRUE(WaitUntil([] { return true; }, 20ms, "truth"));
}

TEST(Integration, ConfigGivesEachTestItsOwnKeyPrefix) {
  RedisServer server;
  RedisConfig config = server.Config();
  EXPECT_NE(config.key_prefix.find("ConfigGivesEachTestItsOwnKeyPrefix"), std::string::npos);
  EXPECT_EQ(config.port, server.port());
  EXPECT_EQ(server.Config("mine").key_prefix, "mine");
}

TEST(Integration, TempDirWritesFilesAndIsRemoved) {
  std::string path;
  {
    TempDir dir;
    path = dir.path();
    std::string file = dir.Write("a/b.txt", "hello");
    EXPECT_EQ(access(file.c_str(), R_OK), 0);
  }
  EXPECT_NE(access(path.c_str(), F_OK), 0);
}

}  // namespace
}  // namespace panoptes::testing
