// A real redis-server in each state where it answers "not now" (loading its dataset, read-only,
// cut off from its master, running a long script, changing role under a blocked client): the
// client reports kUnavailable, so that callers retry instead of failing the work.

#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "redis/client.h"
#include "support/redis_server.h"

namespace panoptes::redis {
namespace {

using testing::RedisServer;
using testing::RedisServerOptions;
using testing::WaitUntil;
using namespace std::chrono_literals;

bool Mentions(const Status& st, const std::string& word) {
  return st.message().find(word) != std::string::npos;
}

// Waits until `call` fails with kUnavailable naming `word`; any other failure ends the wait and
// fails the test with that status.
template <typename F>
::testing::AssertionResult AwaitUnavailable(F&& call, const std::string& word) {
  Status other;
  bool seen = WaitUntil(
      [&] {
        Status st = call();
        if (st.code() == StatusCode::kUnavailable && Mentions(st, word)) return true;
        if (!st.ok() && st.code() != StatusCode::kUnavailable) other = st;
        return !other.ok();
      },
      10s);
  if (!other.ok()) return ::testing::AssertionFailure() << "expected unavailable, got " << other.ToString();
  if (!seen) return ::testing::AssertionFailure() << "no " << word << " reply within 10 s";
  return ::testing::AssertionSuccess();
}

TEST(Integration, LoadingReplyIsUnavailable) {
  // key-load-delay slows the load down (~0.2 ms a key) and the small event interval lets the
  // server answer -LOADING meanwhile, as it does after a restart with a large AOF or RDB.
  RedisServer server(RedisServerOptions{"",
                                        {"--enable-debug-command", "yes", "--key-load-delay", "100",
                                         "--loading-process-events-interval-bytes", "1024"}});
  ASSERT_TRUE(server.Start());
  ASSERT_EQ(server.Cli({"DEBUG", "POPULATE", "5000"}), "OK");
  RedisConfig slow = server.Config();
  slow.io_timeout_ms = 60000;
  std::jthread reload([&] {
    Client reloader(slow, "reloader");
    EXPECT_TRUE(reloader.Command({"DEBUG", "RELOAD"}).ok());
  });
  Client client(server.Config(), "test");
  EXPECT_TRUE(AwaitUnavailable([&] { return client.Command({"GET", "key:1"}).status(); }, "LOADING"));
  Script script("return redis.call('GET', KEYS[1])");
  auto during = client.Eval(script, {"key:1"}, {});
  reload.join();
  if (!during.ok()) {
    EXPECT_EQ(during.status().code(), StatusCode::kUnavailable) << during.status().ToString();
  }
  auto after = client.Eval(script, {"key:1"}, {});
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(after->str, "value:1");
  EXPECT_TRUE(client.connected()) << "LOADING is no reason to drop the connection";
}

TEST(Integration, ReadOnlyReplyIsUnavailableAfterOneResendToTheMasterFoundAgain) {
  RedisServer master;
  ASSERT_TRUE(master.Start());
  RedisServer replica(RedisServerOptions{"", {"--replicaof", "127.0.0.1", std::to_string(master.port())}});
  ASSERT_TRUE(replica.Start());
  Client client(replica.Config(), "test");
  ASSERT_TRUE(client.Connect().ok());
  auto write = client.Eval(Script("return redis.call('SET', KEYS[1], 'v')"), {"k"}, {});
  ASSERT_FALSE(write.ok());
  EXPECT_EQ(write.status().code(), StatusCode::kUnavailable) << write.status().ToString();
  EXPECT_TRUE(Mentions(write.status(), "READONLY")) << write.status().message();
  auto plain = client.Command({"SET", "k", "v"});
  EXPECT_EQ(plain.status().code(), StatusCode::kUnavailable) << plain.status().ToString();
  uint64_t before = client.round_trips();
  auto replies = client.Pipeline({{"GET", "k"}, {"SET", "k", "v"}});
  ASSERT_TRUE(replies.ok()) << replies.status().ToString();
  EXPECT_EQ(client.round_trips() - before, 2u) << "resent once: the configured server is still a replica";
  EXPECT_TRUE((*replies)[1].IsUnavailableError());
  EXPECT_EQ(ErrorReplyStatus((*replies)[1], "SET").code(), StatusCode::kUnavailable);
  EXPECT_TRUE(ErrorReplyStatus((*replies)[0], "GET").ok());
}

TEST(Integration, MasterDownReplyOfAStaleReplicaIsUnavailable) {
  int nobody = testing::FreeLoopbackPort();
  RedisServer replica(RedisServerOptions{"", {"--replicaof", "127.0.0.1", std::to_string(nobody)}});
  ASSERT_TRUE(replica.Start());
  ASSERT_EQ(replica.Cli({"CONFIG", "SET", "replica-serve-stale-data", "no"}), "OK");
  Client client(replica.Config(), "test");
  auto read = client.Command({"GET", "k"});
  EXPECT_EQ(read.status().code(), StatusCode::kUnavailable) << read.status().ToString();
  EXPECT_TRUE(Mentions(read.status(), "MASTERDOWN")) << read.status().message();
}

TEST(Integration, BusyReplyDuringALongScriptIsUnavailable) {
  RedisServer server(RedisServerOptions{"", {"--busy-reply-threshold", "50"}});
  ASSERT_TRUE(server.Start());
  // Connected before the script starts: a new connection's handshake would get BUSY too.
  Client killer(server.Config(), "killer");
  Client client(server.Config(), "test");
  ASSERT_TRUE(killer.Connect().ok());
  ASSERT_TRUE(client.Connect().ok());
  RedisConfig slow = server.Config();
  slow.io_timeout_ms = 60000;
  Client spinner(slow, "spinner");
  ASSERT_TRUE(spinner.Connect().ok());
  std::jthread spin([&] {
    auto r = spinner.Eval(Script("while true do end"), {}, {});
    EXPECT_EQ(r.status().code(), StatusCode::kRedisError)
        << "ended by SCRIPT KILL: " << r.status().ToString();
  });
  EXPECT_TRUE(AwaitUnavailable([&] { return client.Command({"GET", "k"}).status(); }, "BUSY"));
  Client late(server.Config(), "late");
  Status handshake = late.Connect();
  EXPECT_EQ(handshake.code(), StatusCode::kUnavailable)
      << "the handshake meets BUSY: " << handshake.ToString();
  // SCRIPT KILL until it takes (the script may not have passed the threshold yet for `killer`).
  EXPECT_TRUE(WaitUntil(
      [&] {
        return killer.Command({"SCRIPT", "KILL"}).ok();
      },
      10s, "SCRIPT KILL succeeds"));
  spin.join();
  EXPECT_TRUE(client.Command({"GET", "k"}).ok());
}

TEST(Integration, BlockedPopCutShortByARoleChangeIsUnavailable) {
  RedisServer other;
  ASSERT_TRUE(other.Start());
  RedisServer server;
  ASSERT_TRUE(server.Start());
  Client client(server.Config(), "test");
  Result<Reply> popped = Status::Internal("not run");
  std::jthread pop([&] { popped = client.Blocking({"BLPOP", "q", "2"}, 2000ms); });
  ASSERT_TRUE(WaitUntil(
      [&] {
        return server.Cli({"INFO", "clients"}).find("blocked_clients:1") != std::string::npos;
      },
      5s, "the BLPOP blocks"))
      << popped.status().ToString();
  EXPECT_EQ(server.Cli({"REPLICAOF", "127.0.0.1", std::to_string(other.port())}), "OK");
  pop.join();
  EXPECT_EQ(popped.status().code(), StatusCode::kUnavailable) << popped.status().ToString();
  EXPECT_TRUE(Mentions(popped.status(), "UNBLOCKED")) << popped.status().message();
}

}  // namespace
}  // namespace panoptes::redis
