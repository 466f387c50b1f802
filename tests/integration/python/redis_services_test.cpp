// The Redis plugin services (docs/redis.md keys) against a real redis-server.
#include <gtest/gtest.h>

#include "plugin/redis_services.h"
#include "support/redis_server.h"

namespace panoptes::testing {
namespace {

TEST(Integration, RedisKvStoreUsesPrefixedKeysWithRedisSemantics) {
  RedisServer server;
  ASSERT_TRUE(server.Start());
  RedisConfig config = server.Config("kvtest");
  redis::Client client(config);
  plugin::RedisKvStore kv(client, config.key_prefix);
  EXPECT_FALSE(kv.Get("a")->has_value());
  ASSERT_TRUE(kv.Set("a", "1", std::nullopt).ok());
  EXPECT_EQ(server.Cli({"GET", "kvtest:kv:a"}), "1");
  EXPECT_EQ(*kv.Ttl("a"), -1);
  EXPECT_EQ(*kv.Ttl("nothing"), -2);
  ASSERT_TRUE(kv.Set("b", "2", 100).ok());
  EXPECT_GE(*kv.Ttl("b"), 99);
  EXPECT_EQ(**kv.GetSet("b", "3"), "2");
  ASSERT_TRUE(kv.SetAdd("s", "y").ok());
  ASSERT_TRUE(kv.SetAdd("s", "x").ok());
  EXPECT_EQ(*kv.SetMembers("s"), (std::vector<std::string>{"x", "y"}));
  EXPECT_FALSE(kv.Get("s").ok()) << "WRONGTYPE is an error";
  EXPECT_EQ(*kv.FindKeys("*"), (std::vector<std::string>{"a", "b", "s"}));
  EXPECT_EQ(*kv.FindKeys("[ab]"), (std::vector<std::string>{"a", "b"}));
  ASSERT_TRUE(kv.Delete("a").ok());
  EXPECT_FALSE(kv.Get("a")->has_value());
}

TEST(Integration, RedisSecretsAndEnrichmentReadSpecKeys) {
  RedisServer server;
  ASSERT_TRUE(server.Start());
  RedisConfig config = server.Config("sectest");
  redis::Client client(config);
  server.Cli({"SET", "sectest:secrets:community:default", "public"});
  server.Cli({"SET", "sectest:enrichment:host-1:interface", "{\"data\":{},\"metadata\":{}}"});
  plugin::RedisSecretStore secrets(client, config.key_prefix);
  EXPECT_EQ(**secrets.GetBySite("community", "dc1"), "public");
  EXPECT_FALSE(secrets.Get("nothing")->has_value());
  plugin::RedisEnrichmentSource enrichment(client, config.key_prefix);
  EXPECT_EQ(**enrichment.Fetch("host-1", "interface"), "{\"data\":{},\"metadata\":{}}");
  EXPECT_FALSE(enrichment.Fetch("host-2", "interface")->has_value());
}

TEST(Integration, RedisServicesFailCleanlyWhenRedisIsDown) {
  RedisServer server;
  ASSERT_TRUE(server.Start());
  RedisConfig config = server.Config("down");
  server.Stop();
  redis::Client client(config);
  plugin::RedisKvStore kv(client, config.key_prefix);
  auto r = kv.Get("a");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().ToString();
}

}  // namespace
}  // namespace panoptes::testing
