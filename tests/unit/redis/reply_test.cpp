#include "redis/reply.h"

#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "redis/client.h"

namespace panoptes::redis {
namespace {

using namespace std::chrono_literals;

TEST(Unit, ParseReplyConvertsEveryRespType) {
  EXPECT_EQ(ParseReply("+OK\r\n")->type, Reply::Type::kStatus);
  EXPECT_EQ(ParseReply("+OK\r\n")->str, "OK");
  auto error = ParseReply("-WRONGTYPE bad\r\n");
  ASSERT_TRUE(error.ok());
  EXPECT_TRUE(error->IsError());
  EXPECT_EQ(error->str, "WRONGTYPE bad");
  EXPECT_EQ(ParseReply(":-42\r\n")->integer, -42);
  auto bulk = ParseReply(std::string("$3\r\na\0b\r\n", 9));
  ASSERT_TRUE(bulk.ok());
  EXPECT_EQ(bulk->type, Reply::Type::kString);
  EXPECT_EQ(bulk->str, std::string("a\0b", 3)) << "binary-safe";
  EXPECT_TRUE(ParseReply("$-1\r\n")->IsNil());
  EXPECT_TRUE(ParseReply("*-1\r\n")->IsNil()) << "a nil array (BLPOP timeout) is nil";
}

TEST(Unit, ParseReplyRefusesAHugeAggregateHeaderWithoutAllocatingIt) {
  // Found by the redis_reply fuzz target: hiredis allocates the element array on the header.
  auto r = ParseReply("*466666666\r\n:1\r\n");
  ASSERT_FALSE(r.ok()) << "an aggregate of 466,666,666 elements is refused";
  auto nested = ParseReply("*1\r\n*16777217\r\n");
  EXPECT_FALSE(nested.ok()) << "one element over the cap, nested, is refused too";
  auto at_cap = ParseReply("*2\r\n:1\r\n:2\r\n");
  EXPECT_TRUE(at_cap.ok()) << "small aggregates still parse";
}

TEST(Unit, ParseReplyConvertsNestedArrays) {
  auto r = ParseReply("*3\r\n:1\r\n*2\r\n$1\r\nx\r\n$-1\r\n*0\r\n");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->type, Reply::Type::kArray);
  ASSERT_EQ(r->elements.size(), 3u);
  EXPECT_EQ(r->elements[0].integer, 1);
  ASSERT_EQ(r->elements[1].elements.size(), 2u);
  EXPECT_EQ(r->elements[1].elements[0].str, "x");
  EXPECT_TRUE(r->elements[1].elements[1].IsNil());
  EXPECT_EQ(r->elements[2].type, Reply::Type::kArray);
  EXPECT_TRUE(r->elements[2].elements.empty());
}

TEST(Unit, ParseReplyRejectsInvalidIncompleteAndTrailingInput) {
  EXPECT_EQ(ParseReply("?what\r\n").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseReply("$5\r\nab").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseReply("").status().code(), StatusCode::kInvalidArgument);
  auto trailing = ParseReply("+OK\r\n+OK\r\n");
  ASSERT_FALSE(trailing.ok());
  EXPECT_NE(trailing.status().message().find("trailing"), std::string::npos);
  EXPECT_FALSE(ParseReply("+OK\r\n:1").ok()) << "a partial second reply is trailing input too";
}

TEST(Unit, UnavailableErrorClassesAreMatchedOnTheErrorCode) {
  for (const char* text :
       {"LOADING Redis is loading the dataset in memory",
        "READONLY You can't write against a read only replica.",
        "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
        "TRYAGAIN Multiple keys request during rehashing of slot",
        "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.",
        "UNBLOCKED force unblock from blocking operation, instance state changed",
        "NOREPLICAS Not enough good replicas to write.", "LOADING"}) {
    EXPECT_TRUE(IsUnavailableError(text)) << text;
  }
  for (const char* text :
       {"BUSYKEY Target key name already exists.", "BUSYGROUP Consumer Group name already exists",
        "ERR unknown command", "WRONGTYPE Operation against a key holding the wrong kind of value",
        "NOSCRIPT No matching script", "NOAUTH Authentication required.", "loading lower case", "",
        " LOADING after a space"}) {
    EXPECT_FALSE(IsUnavailableError(text)) << text;
  }
}

TEST(Unit, ErrorReplyStatusClassifiesErrorRepliesAndPassesOthers) {
  auto loading = ParseReply("-LOADING Redis is loading the dataset in memory\r\n");
  ASSERT_TRUE(loading.ok());
  EXPECT_TRUE(loading->IsUnavailableError());
  Status st = ErrorReplyStatus(*loading, "redis 127.0.0.1:1: GET");
  EXPECT_EQ(st.code(), StatusCode::kUnavailable);
  EXPECT_EQ(st.message(), "redis 127.0.0.1:1: GET: LOADING Redis is loading the dataset in memory");
  auto wrongtype = ParseReply("-WRONGTYPE bad\r\n");
  ASSERT_TRUE(wrongtype.ok());
  EXPECT_FALSE(wrongtype->IsUnavailableError());
  EXPECT_EQ(ErrorReplyStatus(*wrongtype, "LPUSH").code(), StatusCode::kRedisError);
  auto status_reply = ParseReply("+LOADING\r\n");
  ASSERT_TRUE(status_reply.ok());
  EXPECT_FALSE(status_reply->IsUnavailableError()) << "only error replies are errors";
  EXPECT_TRUE(ErrorReplyStatus(*status_reply, "x").ok());
}

RedisConfig Unreachable() {
  RedisConfig c;
  c.host = "127.0.0.1";
  c.port = 1;  // privileged and unused: connection refused at once
  c.io_timeout_ms = 1000;
  c.reconnect_max_backoff_ms = 60000;
  return c;
}

TEST(Unit, BlockingRejectsBlocksThatAreNotBelowTheIoTimeout) {
  Client client(Unreachable(), "test");
  EXPECT_EQ(client.Blocking({"BLPOP", "q", "0"}, 0ms).status().code(), StatusCode::kInvalidArgument)
      << "block 0 means forever: hiredis would time out first";
  EXPECT_EQ(client.Blocking({"BLPOP", "q", "1"}, 1000ms).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(client.Command({}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(client.round_trips(), 0u);
}

TEST(Unit, UnreachableServerFailsFastWithUnavailableDuringBackoff) {
  Client client(Unreachable(), "test");
  Status first = client.Connect();
  ASSERT_EQ(first.code(), StatusCode::kUnavailable);
  EXPECT_NE(first.message().find("127.0.0.1:1"), std::string::npos) << first.message();
  auto second = client.Command({"PING"});
  ASSERT_EQ(second.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(second.status().message().find("backing off"), std::string::npos) << second.status().message();
  EXPECT_FALSE(client.connected());
  EXPECT_EQ(client.round_trips(), 0u) << "nothing was sent";
}

}  // namespace
}  // namespace panoptes::redis
