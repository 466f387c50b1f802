#include "process/process.h"

#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace panoptes::process {
namespace {

TEST(Unit, ForkReportsTheChildExitCode) {
  auto pid = Fork();
  ASSERT_TRUE(pid.ok());
  if (*pid == 0) _exit(7);
  auto info = WaitFor(*pid, 5000);
  ASSERT_TRUE(info.has_value()) << "child did not exit";
  EXPECT_TRUE(info->exited);
  EXPECT_EQ(info->code, 7);
  EXPECT_FALSE(info->Clean());
  EXPECT_EQ(info->Describe(), "exit code 7");
}

TEST(Unit, SignalledChildIsReportedWithTheSignal) {
  auto pid = Fork();
  ASSERT_TRUE(pid.ok());
  if (*pid == 0) {
    for (;;) pause();
  }
  ASSERT_TRUE(SendSignal(*pid, SIGKILL).ok());
  auto info = WaitFor(*pid, 5000);
  ASSERT_TRUE(info.has_value());
  EXPECT_TRUE(info->signaled);
  EXPECT_EQ(info->signal, SIGKILL);
  EXPECT_NE(info->Describe().find("signal 9"), std::string::npos) << info->Describe();
}

TEST(Unit, TryWaitIsEmptyWhileTheChildRuns) {
  auto pid = Fork();
  ASSERT_TRUE(pid.ok());
  if (*pid == 0) {
    for (;;) pause();
  }
  auto r = TryWait(*pid);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->has_value());
  ASSERT_TRUE(SendSignal(*pid, SIGTERM).ok());
  EXPECT_TRUE(WaitFor(*pid, 5000).has_value());
  EXPECT_EQ(SendSignal(*pid, 0).code(), StatusCode::kNotFound);
}

TEST(Unit, SocketPairCarriesBytesBothWays) {
  auto pair = MakeSocketPair();
  ASSERT_TRUE(pair.ok());
  ASSERT_EQ(write(pair->first.get(), "ping", 4), 4);
  char buf[8] = {};
  ASSERT_EQ(read(pair->second.get(), buf, sizeof(buf)), 4);
  EXPECT_EQ(std::string(buf, 4), "ping");
  ASSERT_EQ(write(pair->second.get(), "pong", 4), 4);
  ASSERT_EQ(read(pair->first.get(), buf, sizeof(buf)), 4);
  EXPECT_EQ(std::string(buf, 4), "pong");
}

TEST(Unit, RssOfOurselvesIsPositiveAndOfAMissingPidNotFound) {
  auto rss = RssBytes(getpid());
  ASSERT_TRUE(rss.ok());
  EXPECT_GT(*rss, 1024 * 1024);
  EXPECT_EQ(RssBytes(999999999).status().code(), StatusCode::kNotFound);
}

TEST(Unit, SpawnRunsAProgramFromPath) {
  auto pid = Spawn({"sh", "-c", "exit 3"});
  ASSERT_TRUE(pid.ok());
  auto info = WaitFor(*pid, 5000);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->code, 3);
}

TEST(Unit, UniqueFdReleasesOwnership) {
  auto pair = MakeSocketPair();
  ASSERT_TRUE(pair.ok());
  int fd = pair->first.Release();
  EXPECT_FALSE(pair->first.valid());
  UniqueFd again(fd);
  EXPECT_EQ(again.get(), fd);
}

}  // namespace
}  // namespace panoptes::process
