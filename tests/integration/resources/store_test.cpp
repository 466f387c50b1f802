// ResourceStore against a real redis-server (tests/support).
#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "redis/client.h"
#include "redis/keys.h"
#include "resources/store.h"
#include "support/redis_server.h"

namespace panoptes::resources {
namespace {

Resource Make(const std::string& id, const std::string& site = "dc1", const std::string& plugin = "disc") {
  Resource r;
  r.site = site;
  r.class_ = "network";
  r.subclass = "switch";
  r.type = "juniper";
  r.id = id;
  r.endpoint = id + ".example.com";
  r.plugin = plugin;
  r.creation_timestamp = 1700000000.5;
  r.metadata = {{"os", "junos"}, {"quote", "a \"b\" \\ \n"}};
  return r;
}

std::vector<std::string> Ids(const std::vector<Resource>& resources) {
  std::vector<std::string> ids;
  for (const Resource& r : resources) ids.push_back(r.site + "/" + r.id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start());
    config_ = server_.Config();
    client_ = std::make_unique<redis::Client>(config_, "store-test");
    store_ = std::make_unique<ResourceStore>(*client_, config_.key_prefix);
  }

  std::vector<std::string> ListedIds() {
    auto listed = store_->List();
    EXPECT_TRUE(listed.ok()) << listed.status().ToString();
    return listed.ok() ? Ids(*listed) : std::vector<std::string>{};
  }

  testing::RedisServer server_;
  RedisConfig config_;
  std::unique_ptr<redis::Client> client_;
  std::unique_ptr<ResourceStore> store_;
};

TEST_F(StoreTest, ListsWhatWasPutWithAllFields) {
  ASSERT_TRUE(store_->PutDiscovered("disc", {Make("sw1"), Make("sw2")}, 60).ok());
  auto listed = store_->List();
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), 2u);
  std::sort(listed->begin(), listed->end(), [](const Resource& a, const Resource& b) { return a.id < b.id; });
  EXPECT_EQ((*listed)[0], Make("sw1"));
  EXPECT_EQ((*listed)[1], Make("sw2"));
}

TEST_F(StoreTest, PutOfLessThanOneChunkIsOneRoundTrip) {
  std::vector<Resource> many;
  for (int i = 0; i < 900; ++i) many.push_back(Make("sw" + std::to_string(i)));
  ASSERT_TRUE(client_->Connect().ok());
  ASSERT_TRUE(store_->PutDiscovered("disc", many, 60).ok());  // loads the script (NOSCRIPT) once
  uint64_t before = client_->round_trips();
  ASSERT_TRUE(store_->PutDiscovered("disc", many, 60).ok());
  EXPECT_EQ(client_->round_trips() - before, 1u);
  // Written and vanished together below one chunk (1000): still one call.
  many.resize(450);
  before = client_->round_trips();
  ASSERT_TRUE(store_->PutDiscovered("disc", many, 60).ok());
  EXPECT_EQ(client_->round_trips() - before, 1u);
  EXPECT_EQ(ListedIds().size(), 450u);
}

TEST_F(StoreTest, ResourcesThePluginNoLongerFindsVanish) {
  ASSERT_TRUE(store_->PutDiscovered("disc", {Make("sw1"), Make("sw2"), Make("sw3")}, 600).ok());
  ASSERT_TRUE(store_->PutDiscovered("disc", {Make("sw2"), Make("sw4")}, 600).ok());
  EXPECT_EQ(ListedIds(), (std::vector<std::string>{"dc1/sw2", "dc1/sw4"}));
  auto gone = store_->Get("sw1");
  ASSERT_TRUE(gone.ok());
  EXPECT_FALSE(gone->has_value());
}

TEST_F(StoreTest, EmptyDiscoveryRemovesEverythingThePluginFound) {
  ASSERT_TRUE(store_->PutDiscovered("disc", {Make("sw1"), Make("sw2")}, 600).ok());
  ASSERT_TRUE(store_->PutDiscovered("disc", {}, 600).ok());
  EXPECT_TRUE(ListedIds().empty());
}

TEST_F(StoreTest, VanishOnlyTouchesThePluginsOwnResources) {
  ASSERT_TRUE(store_->PutDiscovered("a", {Make("sw1", "dc1", "a")}, 600).ok());
  ASSERT_TRUE(store_->PutDiscovered("b", {Make("sw2", "dc1", "b")}, 600).ok());
  ASSERT_TRUE(store_->PutDiscovered("a", {}, 600).ok());
  EXPECT_EQ(ListedIds(), (std::vector<std::string>{"dc1/sw2"}));
}

TEST_F(StoreTest, ExpiredResourcesAreNotListedNorReturned) {
  ASSERT_TRUE(store_->PutDiscovered("short", {Make("sw1", "dc1", "short")}, 1).ok());
  ASSERT_TRUE(store_->PutDiscovered("long", {Make("sw2", "dc1", "long")}, 600).ok());
  EXPECT_EQ(ListedIds().size(), 2u);
  // Expiry is measured on the server clock: wait (bounded) until the short-lived one is gone.
  ASSERT_TRUE(testing::WaitUntil([&] { return ListedIds().size() == 1; }, std::chrono::seconds(5)))
      << "resource with a 1 s TTL still listed after 5 s";
  EXPECT_EQ(ListedIds(), (std::vector<std::string>{"dc1/sw2"}));
  auto expired = store_->Get("sw1");
  ASSERT_TRUE(expired.ok());
  EXPECT_FALSE(expired->has_value());
  // The next put purges it from Redis as well.
  ASSERT_TRUE(store_->PutDiscovered("long", {Make("sw2", "dc1", "long")}, 600).ok());
  EXPECT_EQ(server_.Cli({"HLEN", config_.key_prefix + ":resources:data"}), "1");
}

TEST_F(StoreTest, EachResourceLivesItsOwnResourceTtl) {
  Resource own = Make("own"), constructor_default = Make("ctor"), none = Make("none"), bad = Make("bad");
  own.metadata["_resource_ttl"] = "100";
  constructor_default.metadata["_resource_ttl"] = "604800";
  bad.metadata["_resource_ttl"] = "soon";
  ASSERT_TRUE(store_->PutDiscovered("disc", {own, constructor_default, none, bad}, 900).ok());
  const double now = static_cast<double>(std::time(nullptr));  // the server runs on this host
  auto expiry_in = [&](const Resource& r) {
    std::string score = server_.Cli({"ZSCORE", redis::keys::ResourceExpiry(config_.key_prefix), r.Key()});
    EXPECT_FALSE(score.empty()) << r.id << " has no expiry";
    return score.empty() ? 0.0 : std::stod(score) - now;
  };
  EXPECT_NEAR(expiry_in(own), 100, 5) << "the resource's own _resource_ttl";
  EXPECT_NEAR(expiry_in(constructor_default), 900, 5) << "the constructor's default: the plugin file's";
  EXPECT_NEAR(expiry_in(none), 900, 5);
  EXPECT_NEAR(expiry_in(bad), 900, 5);
  EXPECT_EQ(ResourceTtl(own, 900), 100);
  EXPECT_EQ(ResourceTtl(none, 60), 60);
}

TEST_F(StoreTest, RediscoveryRefreshesContent) {
  ASSERT_TRUE(store_->PutDiscovered("disc", {Make("sw1")}, 600).ok());
  Resource changed = Make("sw1");
  changed.metadata["os"] = "junos-evo";
  ASSERT_TRUE(store_->PutDiscovered("disc", {changed}, 600).ok());
  auto got = store_->Get("sw1");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->metadata.at("os"), "junos-evo");
  EXPECT_EQ(ListedIds().size(), 1u);
}

TEST_F(StoreTest, GetReturnsTheMostRecentlyStoredResourceWithThatId) {
  ASSERT_TRUE(store_->PutDiscovered("disc", {Make("sw1", "dc1")}, 600).ok());
  ASSERT_TRUE(store_->PutDiscovered("disc2", {Make("sw1", "dc2", "disc2")}, 600).ok());
  auto got = store_->Get("sw1");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->site, "dc2");
  EXPECT_EQ(ListedIds(), (std::vector<std::string>{"dc1/sw1", "dc2/sw1"}));
  auto missing = store_->Get("nope");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
}

TEST_F(StoreTest, VersionCountsPuts) {
  auto v0 = store_->Version();
  ASSERT_TRUE(v0.ok()) << v0.status().ToString();
  EXPECT_EQ(*v0, 0);
  ASSERT_TRUE(store_->PutDiscovered("disc", {Make("sw1")}, 600).ok());
  ASSERT_TRUE(store_->PutDiscovered("disc", {}, 600).ok());
  auto v2 = store_->Version();
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(*v2, 2);
}

TEST_F(StoreTest, RejectsNonPositiveTtl) {
  const Status st = store_->PutDiscovered("disc", {Make("sw1")}, 0);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("ttl"), std::string::npos) << st.message();
}

TEST_F(StoreTest, ListSkipsCorruptEntries) {
  ASSERT_TRUE(store_->PutDiscovered("disc", {Make("sw1")}, 600).ok());
  server_.Cli({"HSET", config_.key_prefix + ":resources:data", "junk", "not an entry"});
  server_.Cli({"HSET", config_.key_prefix + ":resources:data", "junk2", "99999999999 2 ab{not json"});
  EXPECT_EQ(ListedIds(), (std::vector<std::string>{"dc1/sw1"}));
  EXPECT_EQ(store_->skipped_entries(), 2u);
}

TEST_F(StoreTest, ReportsUnavailableWhenRedisIsDown) {
  server_.Stop();
  auto listed = store_->List();
  ASSERT_FALSE(listed.ok());
  EXPECT_EQ(listed.status().code(), StatusCode::kUnavailable) << listed.status().ToString();
  EXPECT_EQ(store_->PutDiscovered("disc", {Make("sw1")}, 60).code(), StatusCode::kUnavailable);
}

TEST_F(StoreTest, ListsTenThousandResourcesInBatches) {
  std::vector<Resource> many;
  for (int i = 0; i < 10000; ++i) many.push_back(Make("sw" + std::to_string(i)));
  ASSERT_TRUE(store_->PutDiscovered("disc", many, 600).ok());
  const uint64_t before = client_->round_trips();
  EXPECT_EQ(ListedIds().size(), 10000u);
  EXPECT_GT(client_->round_trips() - before, 2u);  // HSCAN pages, not one giant reply
}

}  // namespace
}  // namespace panoptes::resources
