// ResourceStore::PutDiscovered in chunks (docs/redis.md, "Resource store") against a real
// redis-server: exact results and expiries at scale, the per-call bound, a failure part way,
// racing puts of one plugin, and the layouts it must cope with.
#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "integration/resources/numbered_resource.h"
#include "redis/client.h"
#include "resources/store.h"
#include "support/redis_server.h"

namespace panoptes::resources {
namespace {

// Resources sw<begin> .. sw<end - 1>.
std::vector<Resource> Range(int begin, int end) {
  std::vector<Resource> out;
  for (int i = begin; i < end; ++i) out.push_back(Numbered(i));
  return out;
}

std::set<std::string> Ids(const std::vector<Resource>& resources) {
  std::set<std::string> ids;
  for (const Resource& r : resources) ids.insert(r.id);
  return ids;
}

std::set<std::string> Keys(const std::vector<Resource>& resources) {
  std::set<std::string> keys;
  for (const Resource& r : resources) keys.insert(r.Key());
  return keys;
}

bool Includes(const std::set<std::string>& outer, const std::set<std::string>& inner) {
  return std::includes(outer.begin(), outer.end(), inner.begin(), inner.end());
}

// Total argc of a SLOWLOG entry's argv (Redis keeps 31 arguments and "... (N more arguments)").
size_t Argc(const redis::Reply& argv) {
  const auto& args = argv.elements;
  if (args.size() == 32 && args.back().str.rfind("... (", 0) == 0)
    return 31 + std::strtoul(args.back().str.c_str() + 5, nullptr, 10);
  return args.size();
}

class ChunkedStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start());
    config_ = server_.Config();
    client_ = std::make_unique<redis::Client>(config_, "chunked-store-test");
    store_ = std::make_unique<ResourceStore>(*client_, config_.key_prefix);
  }

  std::string Key(const std::string& suffix) const { return config_.key_prefix + ":resources:" + suffix; }

  redis::Reply Command(const redis::Args& argv) {
    auto reply = client_->Command(argv);
    EXPECT_TRUE(reply.ok()) << reply.status().ToString();
    return reply.ok() ? *reply : redis::Reply{};
  }

  double ServerTime() {
    redis::Reply t = Command({"TIME"});
    if (t.elements.size() != 2) return 0;
    return std::stod(t.elements[0].str) + std::stod(t.elements[1].str) / 1e6;
  }

  std::set<std::string> ListedIds() {
    auto listed = store_->List();
    EXPECT_TRUE(listed.ok()) << listed.status().ToString();
    return listed.ok() ? Ids(*listed) : std::set<std::string>{};
  }

  // member -> score of a sorted set.
  std::map<std::string, double> Scores(const std::string& key) {
    std::map<std::string, double> out;
    redis::Reply all = Command({"ZRANGE", key, "0", "-1", "WITHSCORES"});
    for (size_t i = 0; i + 1 < all.elements.size(); i += 2)
      out[all.elements[i].str] = std::stod(all.elements[i + 1].str);
    return out;
  }

  // The EVALSHA calls of the slowlog (slowlog-log-slower-than 0), oldest first, as their argc.
  std::vector<size_t> EvalshaArgcs() {
    std::vector<size_t> argcs;
    redis::Reply log = Command({"SLOWLOG", "GET", "-1"});
    for (const redis::Reply& entry : log.elements) {
      if (entry.elements.size() < 4 || entry.elements[3].elements.empty()) continue;
      if (entry.elements[3].elements[0].str == "EVALSHA") argcs.push_back(Argc(entry.elements[3]));
    }
    std::reverse(argcs.begin(), argcs.end());
    return argcs;
  }

  testing::RedisServer server_;
  RedisConfig config_;
  std::unique_ptr<redis::Client> client_;
  std::unique_ptr<ResourceStore> store_;
};

TEST_F(ChunkedStoreTest, ShrinkingAndGrowingAtScaleLeavesExactlyTheNewViewWithItsExpiry) {
  ASSERT_TRUE(store_->PutDiscovered("disc", Range(0, 20000), 600).ok());
  ASSERT_EQ(ListedIds(), Ids(Range(0, 20000)));
  // Half of them gone (sw0..sw9999), 3000 new (sw20000..sw22999), a longer TTL.
  const std::vector<Resource> now_found = Range(10000, 23000);
  const double before = ServerTime();
  ASSERT_TRUE(store_->PutDiscovered("disc", now_found, 1200).ok());
  const double after = ServerTime();

  EXPECT_EQ(ListedIds(), Ids(now_found));
  const std::map<std::string, double> expiry = Scores(Key("expiry"));
  ASSERT_EQ(expiry.size(), now_found.size());
  const std::set<std::string> keys = Keys(now_found);
  for (const auto& [key, score] : expiry) {
    ASSERT_EQ(keys.count(key), 1u) << "left behind: " << key;
    ASSERT_GE(score, before + 1200 - 1e-3) << key;
    ASSERT_LE(score, after + 1200 + 1e-3) << key;
  }
  // Every data entry carries the same expiry as the sorted set (what List and Get compare).
  redis::Reply data = Command({"HGETALL", Key("data")});
  ASSERT_EQ(data.elements.size(), 2 * now_found.size());
  for (size_t i = 0; i + 1 < data.elements.size(); i += 2) {
    const double stamp = std::stod(data.elements[i + 1].str.substr(0, data.elements[i + 1].str.find(' ')));
    ASSERT_NEAR(stamp, expiry.at(data.elements[i].str), 1e-5) << data.elements[i].str;
  }
  EXPECT_EQ(Command({"HLEN", Key("ids")}).integer, 13000);
  EXPECT_EQ(Command({"ZCARD", Key("plugin:disc")}).integer, 13000);
  auto gone = store_->Get("sw9999");
  ASSERT_TRUE(gone.ok());
  EXPECT_FALSE(gone->has_value());
  auto added = store_->Get("sw22999");
  ASSERT_TRUE(added.ok());
  EXPECT_TRUE(added->has_value());
}

TEST_F(ChunkedStoreTest, NoCallCarriesMoreThanOneChunkAndVanishedAreRemovedChunkByChunk) {
  store_->set_chunk_size(100);
  ASSERT_TRUE(client_->Connect().ok());
  ASSERT_TRUE(store_->PutDiscovered("disc", {}, 600).ok());  // loads the script
  ASSERT_EQ(server_.Cli({"CONFIG", "SET", "slowlog-log-slower-than", "0"}), "OK");
  ASSERT_EQ(server_.Cli({"CONFIG", "SET", "slowlog-max-len", "10000"}), "OK");
  ASSERT_EQ(server_.Cli({"SLOWLOG", "RESET"}), "OK");

  uint64_t before = client_->round_trips();
  ASSERT_TRUE(store_->PutDiscovered("disc", Range(0, 1050), 600).ok());
  // 10 full chunks and one of 50 (with room left to find that nothing vanished).
  EXPECT_EQ(client_->round_trips() - before, 11u);
  const std::vector<size_t> argcs = EvalshaArgcs();
  ASSERT_EQ(argcs.size(), 11u);
  // EVALSHA sha numkeys, 5 keys, ttl run budget last, then 4 per resource (key, id, json, ttl).
  for (size_t i = 0; i < 10; ++i) EXPECT_EQ(argcs[i], 3 + 5 + 4 + 4 * 100u) << "call " << i;
  EXPECT_EQ(argcs[10], 3 + 5 + 4 + 4 * 50u);
  EXPECT_EQ(ListedIds().size(), 1050u);

  // 10 written and 1040 vanished: the first call writes 10 and removes 90, then calls of 100 until
  // one removes fewer than 100.
  before = client_->round_trips();
  ASSERT_TRUE(store_->PutDiscovered("disc", Range(0, 10), 600).ok());
  EXPECT_EQ(client_->round_trips() - before, 11u);
  EXPECT_EQ(ListedIds(), Ids(Range(0, 10)));
  EXPECT_EQ(Command({"ZCARD", Key("plugin:disc")}).integer, 10);
}

TEST_F(ChunkedStoreTest, FailurePartWayLeavesOldAndNewMixedAndTheNextPutCleansUp) {
  store_->set_chunk_size(100);
  ASSERT_TRUE(store_->PutDiscovered("disc", Range(0, 300), 600).ok());
  auto version_before = store_->Version();
  ASSERT_TRUE(version_before.ok());
  // Redis refuses the third call (an argument over proto-max-bulk-len) after two were stored.
  ASSERT_EQ(server_.Cli({"CONFIG", "SET", "proto-max-bulk-len", "1048576"}), "OK");
  std::vector<Resource> now_found = Range(150, 450);
  now_found[200].metadata["blob"] = std::string(1100000, 'x');  // sw350, in the third chunk
  const Status failed = store_->PutDiscovered("disc", now_found, 600);
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.message().find("200 of 300 resources written"), std::string::npos) << failed.ToString();

  // Nothing of the old view is gone; the first two chunks of the new one are there.
  EXPECT_EQ(ListedIds(), Ids(Range(0, 350)));
  auto version_after = store_->Version();
  ASSERT_TRUE(version_after.ok());
  EXPECT_GT(*version_after, *version_before) << "readers must learn about the partial write";

  now_found[200] = Numbered(350);
  ASSERT_TRUE(store_->PutDiscovered("disc", now_found, 600).ok());
  EXPECT_EQ(ListedIds(), Ids(now_found));
  EXPECT_EQ(Command({"ZCARD", Key("expiry")}).integer, 300);
}

TEST_F(ChunkedStoreTest, TheLaterOfTwoRacingPutsOfOnePluginKeepsAllItsResources) {
  const std::vector<Resource> a = Range(0, 2000);
  const std::vector<Resource> b = Range(1000, 3000);
  ASSERT_TRUE(store_->PutDiscovered("disc", Range(5000, 6000), 600).ok());
  auto race = [&](const std::vector<Resource>* found, Status* result) {
    redis::Client client(config_, "racer");
    ResourceStore store(client, config_.key_prefix);
    store.set_chunk_size(50);
    *result = store.PutDiscovered("disc", *found, 600);
  };
  Status a_result, b_result;
  std::thread a_thread(race, &a, &a_result);
  std::thread b_thread(race, &b, &b_result);
  a_thread.join();
  b_thread.join();
  ASSERT_TRUE(a_result.ok()) << a_result.ToString();
  ASSERT_TRUE(b_result.ok()) << b_result.ToString();

  // Whichever started later has all its resources; nothing outside the two views is left (the
  // earlier one may have leftovers when it wrote after the later one had finished removing).
  const std::set<std::string> listed = ListedIds();
  EXPECT_TRUE(Includes(listed, Ids(a)) || Includes(listed, Ids(b))) << listed.size() << " listed";
  std::set<std::string> either = Ids(a);
  either.merge(Ids(b));
  EXPECT_TRUE(Includes(either, listed)) << "an old resource survived both puts";
  EXPECT_EQ(Command({"HLEN", Key("data")}).integer, Command({"ZCARD", Key("expiry")}).integer);

  ASSERT_TRUE(store_->PutDiscovered("disc", a, 600).ok());
  EXPECT_EQ(ListedIds(), Ids(a));
}

TEST_F(ChunkedStoreTest, VersionBumpsOnceForOneCallAndAtStartAndEndOfAChunkedPut) {
  store_->set_chunk_size(10);
  ASSERT_TRUE(store_->PutDiscovered("disc", Range(0, 5), 600).ok());
  EXPECT_EQ(*store_->Version(), 1);
  ASSERT_TRUE(store_->PutDiscovered("disc", Range(0, 25), 600).ok());
  EXPECT_EQ(*store_->Version(), 3);
}

TEST_F(ChunkedStoreTest, PluginSetOfThePreviousLayoutIsConvertedAndItsVanishedRemoved) {
  ASSERT_TRUE(store_->PutDiscovered("disc", Range(0, 3), 600).ok());
  // Rewrite the plugin's sorted set as the plain set the single-script store kept.
  const std::map<std::string, double> members = Scores(Key("plugin:disc"));
  ASSERT_EQ(members.size(), 3u);
  Command({"DEL", Key("plugin:disc")});
  for (const auto& [key, score] : members) Command({"SADD", Key("plugin:disc"), key});

  ASSERT_TRUE(store_->PutDiscovered("disc", Range(2, 4), 600).ok());
  EXPECT_EQ(ListedIds(), Ids(Range(2, 4)));
  EXPECT_EQ(server_.Cli({"TYPE", Key("plugin:disc")}), "zset");
}

TEST_F(ChunkedStoreTest, VanishStillWorksAfterTheVersionCounterWasReset) {
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(store_->PutDiscovered("disc", Range(0, 3), 600).ok());
  Command({"DEL", Key("version")});
  ASSERT_TRUE(store_->PutDiscovered("disc", Range(2, 4), 600).ok());
  EXPECT_EQ(ListedIds(), Ids(Range(2, 4)));
  auto version = store_->Version();
  ASSERT_TRUE(version.ok());
  EXPECT_GT(*version, 3) << "run numbers must keep growing";
}

}  // namespace
}  // namespace panoptes::resources
