#include "redis/client.h"

#include <chrono>
#include <sstream>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include "core/logging.h"
#include "support/redis_server.h"

namespace panoptes::redis {
namespace {

using testing::RedisServer;
using testing::RedisServerOptions;
using testing::WaitUntil;
using namespace std::chrono_literals;

TEST(Integration, CommandsPipelineAndErrorReplies) {
  RedisServer server;
  ASSERT_TRUE(server.Start());
  Client client(server.Config(), "test");
  ASSERT_TRUE(client.Command({"SET", "k", std::string("a\0b", 3)}).ok());
  auto got = client.Command({"GET", "k"});
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->str, std::string("a\0b", 3));
  EXPECT_TRUE(client.Command({"GET", "missing"})->IsNil());

  uint64_t before = client.round_trips();
  auto replies = client.Pipeline({{"INCR", "n"}, {"INCR", "n"}, {"LPUSH", "k", "x"}, {"GET", "n"}});
  ASSERT_TRUE(replies.ok()) << replies.status().ToString();
  EXPECT_EQ(client.round_trips() - before, 1u);
  ASSERT_EQ(replies->size(), 4u);
  EXPECT_EQ((*replies)[1].integer, 2);
  EXPECT_TRUE((*replies)[2].IsError()) << "LPUSH on a string is a WRONGTYPE error reply";
  EXPECT_EQ((*replies)[3].str, "2");

  auto wrong = client.Command({"LPUSH", "k", "x"});
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().code(), StatusCode::kRedisError);
  EXPECT_NE(wrong.status().message().find("WRONGTYPE"), std::string::npos);
}

TEST(Integration, SplitPipelineRunsWhileTheCallerWorksAndKeepsErrorReplies) {
  RedisServer server;
  ASSERT_TRUE(server.Start());
  Client client(server.Config(), "test");
  ASSERT_TRUE(client.Command({"SET", "k", "v"}).ok());
  uint64_t before = client.round_trips();
  ASSERT_TRUE(client.SendPipeline({{"INCR", "n"}, {"LPUSH", "k", "x"}, {"INCR", "n"}}).ok());
  // Another connection sees the commands run before this one reads a single reply.
  Client other(server.Config(), "other");
  ASSERT_TRUE(WaitUntil([&] { return other.Command({"GET", "n"})->str == "2"; }, 5s));
  auto replies = client.ReceivePipeline(3);
  ASSERT_TRUE(replies.ok()) << replies.status().ToString();
  EXPECT_EQ(client.round_trips() - before, 1u);
  ASSERT_EQ(replies->size(), 3u);
  EXPECT_EQ((*replies)[0].integer, 1);
  EXPECT_TRUE((*replies)[1].IsError()) << "WRONGTYPE stays in the vector";
  EXPECT_EQ((*replies)[2].integer, 2);
  EXPECT_EQ(client.Command({"GET", "n"})->str, "2") << "the client is usable afterwards";

  client.Close();
  auto closed = client.ReceivePipeline(1);
  ASSERT_FALSE(closed.ok());
  EXPECT_EQ(closed.status().code(), StatusCode::kUnavailable);
  EXPECT_FALSE(client.SendPipeline({{}}).ok()) << "an empty command is refused";
}

TEST(Integration, EvalShaReloadsScriptAfterFlush) {
  RedisServer server;
  ASSERT_TRUE(server.Start());
  Client client(server.Config(), "test");
  Script script("return redis.call('INCRBY', KEYS[1], ARGV[1])");
  auto first = client.Eval(script, {"c"}, {"5"});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->integer, 5);
  ASSERT_TRUE(client.Command({"SCRIPT", "FLUSH"}).ok());
  auto again = client.Eval(script, {"c"}, {"2"});
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->integer, 7);
  auto failing = client.Eval(Script("return redis.error_reply('boom')"), {}, {});
  ASSERT_FALSE(failing.ok());
  EXPECT_NE(failing.status().message().find("boom"), std::string::npos);
}

TEST(Integration, BlockingPopTimesOutWithNilAndConnectionStaysUsable) {
  RedisServer server;
  ASSERT_TRUE(server.Start());
  Client client(server.Config(), "test");  // io timeout 3000 ms
  auto too_long = client.Blocking({"BLPOP", "q", "5"}, 5000ms);
  EXPECT_EQ(too_long.status().code(), StatusCode::kInvalidArgument);
  auto start = std::chrono::steady_clock::now();
  auto nil = client.Blocking({"BLMOVE", "q", "inflight", "RIGHT", "LEFT", "0.2"}, 200ms);
  ASSERT_TRUE(nil.ok()) << nil.status().ToString();
  EXPECT_TRUE(nil->IsNil());
  EXPECT_GE(std::chrono::steady_clock::now() - start, 150ms);
  ASSERT_TRUE(client.Command({"LPUSH", "q", "task"}).ok());
  auto moved = client.Blocking({"BLMOVE", "q", "inflight", "RIGHT", "LEFT", "0.2"}, 200ms);
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(moved->str, "task");
}

TEST(Integration, ReconnectsAfterServerRestart) {
  RedisServer server;
  ASSERT_TRUE(server.Start());
  Client client(server.Config(), "test");
  ASSERT_TRUE(client.Command({"SET", "a", "1"}).ok());
  server.Stop();
  auto during = client.Command({"GET", "a"});
  ASSERT_FALSE(during.ok());
  EXPECT_EQ(during.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(during.status().message().find(std::to_string(server.port())), std::string::npos)
      << "the error names the endpoint: " << during.status().message();
  // While the backoff runs, calls fail fast instead of blocking on connect.
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(client.Command({"PING"}).ok());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms);
  ASSERT_TRUE(server.Start());
  ASSERT_TRUE(WaitUntil(
      [&] {
        return client.Command({"SET", "a", "2"}).ok();
      },
      5s))
      << "client did not reconnect within 5 s of the restart";
  EXPECT_EQ(client.Command({"GET", "a"})->str, "2");
}

size_t CountLines(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

TEST(Integration, OutageIsLoggedOncePerStateChangeNotPerCall) {
  std::ostringstream log;
  auto logger = core::Logger("redis");
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log);
  logger->sinks().push_back(sink);
  RedisServer server;
  ASSERT_TRUE(server.Start());
  RedisConfig config = server.Config();
  config.reconnect_max_backoff_ms = 10;
  Client client(config, "logtest");
  ASSERT_TRUE(client.Command({"PING"}).ok());
  server.Stop();
  int failures = 0;
  auto deadline = std::chrono::steady_clock::now() + 300ms;
  while (std::chrono::steady_clock::now() < deadline) failures += client.Command({"PING"}).ok() ? 0 : 1;
  ASSERT_TRUE(server.Start());
  ASSERT_TRUE(WaitUntil([&] { return client.Command({"PING"}).ok(); }, 5s, "the client reconnects"));
  logger->sinks().pop_back();
  std::string text = log.str();
  EXPECT_GT(failures, 10);
  EXPECT_EQ(CountLines(text, "(logtest): connection lost"), 1u) << text;
  EXPECT_EQ(CountLines(text, "(logtest): cannot connect"), 1u) << text;
  EXPECT_EQ(CountLines(text, "(logtest): connected"), 1u) << text;
}

TEST(Integration, StaleConnectionIsReopenedTransparently) {
  RedisServer server;
  ASSERT_TRUE(server.Start());
  Client client(server.Config(), "test");
  auto id = client.Command({"CLIENT", "ID"});
  ASSERT_TRUE(id.ok());
  Client killer(server.Config(), "killer");
  auto killed = killer.Command({"CLIENT", "KILL", "ID", std::to_string(id->integer)});
  ASSERT_TRUE(killed.ok()) << killed.status().ToString();
  ASSERT_EQ(killed->integer, 1);
  // The server closed our connection while it sat idle; the next call notices and resends once.
  auto after = client.Command({"PING"});
  EXPECT_TRUE(after.ok()) << after.status().ToString();
}

TEST(Integration, AuthAcceptedAndRefused) {
  RedisServer server(RedisServerOptions{"s3cret", {}});
  ASSERT_TRUE(server.Start());
  Client good(server.Config(), "test");
  EXPECT_TRUE(good.Command({"SET", "x", "1"}).ok());

  RedisConfig wrong = server.Config();
  wrong.password = "nope";
  Client bad(wrong, "test");
  Status st = bad.Connect();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kRedisError) << "a refused AUTH is a configuration error";
  EXPECT_NE(st.message().find("AUTH refused"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find(std::to_string(server.port())), std::string::npos) << st.message();
  auto later = bad.Command({"PING"});
  ASSERT_FALSE(later.ok());
  EXPECT_NE(later.status().message().find("AUTH refused"), std::string::npos)
      << "calls during the backoff still say why: " << later.status().message();

  RedisConfig none = server.Config();
  none.password.clear();
  Client anonymous(none, "test");
  auto denied = anonymous.Command({"GET", "x"});
  ASSERT_FALSE(denied.ok());
  EXPECT_NE(denied.status().message().find("NOAUTH"), std::string::npos) << denied.status().message();
}

TEST(Integration, CommandsWithManyArgumentsAreSentWhole) {
  RedisServer server;
  ASSERT_TRUE(server.Start());
  Client client(server.Config(), "test");
  Args rpush = {"RPUSH", "many"};
  for (int i = 0; i < 40; ++i) rpush.push_back("v" + std::to_string(i));
  auto pushed = client.Command(rpush);
  ASSERT_TRUE(pushed.ok()) << pushed.status().ToString();
  EXPECT_EQ(pushed->integer, 40);
  auto all = client.Command({"LRANGE", "many", "0", "-1"});
  ASSERT_EQ(all->elements.size(), 40u);
  EXPECT_EQ(all->elements[39].str, "v39");

  Args keys, args;
  for (int i = 0; i < 20; ++i) keys.push_back("k" + std::to_string(i));
  for (int i = 0; i < 20; ++i) args.push_back(std::to_string(i));
  auto sum = client.Eval(Script("local s = #KEYS for i, v in ipairs(ARGV) do s = s + tonumber(v) end "
                                "return s"),
                         keys, args);
  ASSERT_TRUE(sum.ok()) << sum.status().ToString();
  EXPECT_EQ(sum->integer, 20 + 190);
}

TEST(Integration, RoundTripsCountWhatWasSent) {
  RedisServer server;
  ASSERT_TRUE(server.Start());
  Client client(server.Config(), "test");
  ASSERT_TRUE(client.Connect().ok());
  EXPECT_EQ(client.round_trips(), 0u) << "the handshake is not counted";
  Script script("return 7");
  ASSERT_TRUE(client.Eval(script, {}, {}).ok());
  EXPECT_EQ(client.round_trips(), 3u) << "EVALSHA, NOSCRIPT -> SCRIPT LOAD, EVALSHA";
  ASSERT_TRUE(client.Eval(script, {}, {}).ok());
  EXPECT_EQ(client.round_trips(), 4u);
}

TEST(Integration, ReadOnlyReplyDropsTheConnectionToFindTheMasterAgain) {
  RedisServer master;
  ASSERT_TRUE(master.Start());
  RedisServer replica(RedisServerOptions{"", {"--replicaof", "127.0.0.1", std::to_string(master.port())}});
  ASSERT_TRUE(replica.Start());
  Client client(replica.Config(), "test");
  auto write = client.Command({"SET", "k", "v"});
  ASSERT_FALSE(write.ok());
  EXPECT_EQ(write.status().code(), StatusCode::kUnavailable) << "retry later: the master may come back";
  EXPECT_NE(write.status().message().find("READONLY"), std::string::npos) << write.status().message();
  EXPECT_FALSE(client.connected()) << "a READONLY reply closes the connection for re-discovery";
  auto replies = client.Pipeline({{"GET", "k"}, {"SET", "k", "v"}});
  ASSERT_TRUE(replies.ok()) << "reconnects at once, no backoff: " << replies.status().ToString();
  EXPECT_TRUE((*replies)[1].IsError());
  EXPECT_FALSE(client.connected());
  EXPECT_TRUE(client.Command({"PING"}).ok());
}

TEST(Integration, PipelineCarriesOnAfterServerRestart) {
  RedisServer server;
  ASSERT_TRUE(server.Start());
  Client client(server.Config(), "test");
  ASSERT_TRUE(client.Pipeline({{"SET", "a", "1"}}).ok());
  ASSERT_TRUE(server.Restart());
  // The idle connection went stale with the restart: the pipeline is resent once on a new one.
  auto replies = client.Pipeline({{"SET", "a", "2"}, {"GET", "a"}});
  ASSERT_TRUE(replies.ok()) << replies.status().ToString();
  EXPECT_EQ((*replies)[1].str, "2");
}

TEST(Integration, SelectsConfiguredDatabase) {
  RedisServer server;
  ASSERT_TRUE(server.Start());
  RedisConfig c3 = server.Config();
  c3.db = 3;
  Client in3(c3, "test");
  ASSERT_TRUE(in3.Command({"SET", "only-in-3", "1"}).ok());
  Client in0(server.Config(), "test");
  EXPECT_TRUE(in0.Command({"GET", "only-in-3"})->IsNil());
  EXPECT_EQ(in0.Command({"SELECT", "3"})->str, "OK");
  EXPECT_EQ(in0.Command({"GET", "only-in-3"})->str, "1");
}

}  // namespace
}  // namespace panoptes::redis
