// Deliver(): how a batch the database rejects is split (the writes are recorded by a plain function
// that answers like InfluxDB: 400 when a body holds a bad line).
#include <gtest/gtest.h>

#include "consumer/influx_writer.h"

namespace panoptes::consumer {
namespace {

struct Database {
  std::vector<std::string> accepted;
  int calls = 0;
  bool down = false;
  WriteOutcome operator()(std::string_view body) {
    ++calls;
    if (down) return {WriteOutcome::Kind::kFailed, "connection refused"};
    if (body.find("bad") != std::string_view::npos)
      return {WriteOutcome::Kind::kRejected, "HTTP 400: unable to parse"};
    std::string b(body);
    for (size_t pos = 0, nl; (nl = b.find('\n', pos)) != std::string::npos; pos = nl + 1) {
      accepted.push_back(b.substr(pos, nl - pos));
    }
    return {WriteOutcome::Kind::kOk, ""};
  }
};

std::vector<std::string> Lines(int n, std::vector<int> bad = {}) {
  std::vector<std::string> lines;
  for (int i = 0; i < n; ++i) lines.push_back("m f=" + std::to_string(i) + " 1");
  for (int i : bad) lines[i] = "bad " + std::to_string(i);
  return lines;
}

TEST(Unit, DeliverWritesAGoodBatchInOneRequest) {
  Database db;
  Delivery d = Deliver(Lines(100), std::ref(db));
  EXPECT_TRUE(d.ok);
  EXPECT_EQ(d.requests, 1);
  EXPECT_EQ(db.accepted.size(), 100u);
  EXPECT_TRUE(d.rejected.empty());
}

TEST(Unit, DeliverIsolatesRejectedLinesAndWritesTheRest) {
  Database db;
  Delivery d = Deliver(Lines(64, {5, 40}), std::ref(db));
  ASSERT_TRUE(d.ok);
  ASSERT_EQ(d.rejected.size(), 2u);
  EXPECT_EQ(d.rejected[0].index, 5u);
  EXPECT_EQ(d.rejected[1].index, 40u);
  EXPECT_NE(d.rejected[0].message.find("400"), std::string::npos);
  EXPECT_EQ(db.accepted.size(), 62u) << "every good line of the batch arrives";
  EXPECT_LE(d.requests, 1 + 2 * 2 * 6) << "O(log n) extra requests per bad line";
}

TEST(Unit, DeliverStopsOnFailureAndReportsNoRejections) {
  Database db;
  db.down = true;
  Delivery d = Deliver(Lines(10, {3}), std::ref(db));
  EXPECT_FALSE(d.ok);
  EXPECT_EQ(d.failure, "connection refused");
  EXPECT_TRUE(d.rejected.empty()) << "a failed delivery is retried whole";
  EXPECT_EQ(d.requests, 1);
}

TEST(Unit, DeliverOfNothingIsOk) {
  Database db;
  EXPECT_TRUE(Deliver({}, std::ref(db)).ok);
  EXPECT_EQ(db.calls, 0);
}

}  // namespace
}  // namespace panoptes::consumer
