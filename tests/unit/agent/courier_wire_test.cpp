// The supervisor <-> Redis courier messages (courier_wire.h).
#include "agent/courier_wire.h"

#include <gtest/gtest.h>

namespace panoptes::agent {
namespace {

std::vector<std::string> OneFrame(const std::string& bytes) {
  FrameReader r;
  r.Feed(bytes);
  auto f = r.Next();
  EXPECT_TRUE(f.ok() && f->has_value());
  return f.ok() && f->has_value() ? **f : std::vector<std::string>{};
}

TEST(Unit, CourierJobRoundTripsWithAnyBytes) {
  CourierJob job;
  job.id = 42;
  job.op = CourierJob::Op::kReap;
  job.kind = PluginKind::kEnrichment;
  job.workers = {"host:1:enrichment:0:3"};
  job.status = "timeout";
  job.error = std::string("a\nb:c\0d", 7);
  auto back = DecodeJob(OneFrame(EncodeJob(job)));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->id, 42u);
  EXPECT_EQ(back->op, CourierJob::Op::kReap);
  EXPECT_EQ(back->kind, PluginKind::kEnrichment);
  EXPECT_EQ(back->workers, job.workers);
  EXPECT_EQ(back->error, job.error);
}

TEST(Unit, CourierReplyKeepsItsStatusCodeAndNumbers) {
  CourierReply reply{7, Status::Unavailable("redis 127.0.0.1:1: down"), 1, -2, 3, {"plug:a", "", "2"}};
  auto back = DecodeReply(OneFrame(EncodeReply(reply)));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->status.code(), StatusCode::kUnavailable);
  EXPECT_EQ(back->status.message(), "redis 127.0.0.1:1: down");
  EXPECT_EQ(back->b, -2);
  EXPECT_EQ(back->texts, reply.texts);
}

TEST(Unit, FrameReaderWaitsForWholeFramesFedByteByByte) {
  CourierJob a, b;
  a.id = 1;
  b.id = 2;
  b.workers = {"w1", "w2"};
  std::string bytes = EncodeJob(a) + EncodeJob(b);
  FrameReader r;
  std::vector<uint64_t> ids;
  for (char c : bytes) {
    r.Feed(std::string_view(&c, 1));
    auto f = r.Next();
    ASSERT_TRUE(f.ok());
    if (f->has_value()) ids.push_back(DecodeJob(**f)->id);
  }
  EXPECT_EQ(ids, (std::vector<uint64_t>{1, 2}));
}

TEST(Unit, FrameReaderRejectsGarbageAndDecodeRejectsBadJobs) {
  FrameReader r;
  r.Feed("x\n");
  EXPECT_EQ(r.Next().status().code(), StatusCode::kInternal);
  CourierJob reap;
  reap.op = CourierJob::Op::kReap;  // names no worker
  EXPECT_FALSE(DecodeJob(OneFrame(EncodeJob(reap))).ok());
  CourierJob hand_back;
  hand_back.op = CourierJob::Op::kHandBack;  // names no worker
  EXPECT_FALSE(DecodeJob(OneFrame(EncodeJob(hand_back))).ok());
  hand_back.workers = {"w1", "w2", "w3"};  // one watch pass's workers
  auto back = DecodeJob(OneFrame(EncodeJob(hand_back)));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->workers, hand_back.workers);
}

}  // namespace
}  // namespace panoptes::agent
