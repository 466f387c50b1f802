#include <gtest/gtest.h>

#include "plugin/memory_services.h"

namespace panoptes::plugin {
namespace {

TEST(Unit, MemoryKvStoreFollowsRedisSemantics) {
  MemoryKvStore kv;
  EXPECT_FALSE(kv.Get("a")->has_value());
  EXPECT_EQ(*kv.Ttl("a"), -2);
  ASSERT_TRUE(kv.Set("a", "1", std::nullopt).ok());
  EXPECT_EQ(**kv.Get("a"), "1");
  EXPECT_EQ(*kv.Ttl("a"), -1);
  ASSERT_TRUE(kv.Set("b", "2", 100).ok());
  EXPECT_GE(*kv.Ttl("b"), 99);
  EXPECT_EQ(**kv.GetSet("b", "3"), "2");
  EXPECT_EQ(*kv.Ttl("b"), -1) << "GETSET clears the expiry";
  ASSERT_TRUE(kv.Set("gone", "x", 0).ok());
  EXPECT_FALSE(kv.Get("gone")->has_value()) << "expired";
  ASSERT_TRUE(kv.SetAdd("s", "y").ok());
  ASSERT_TRUE(kv.SetAdd("s", "x").ok());
  ASSERT_TRUE(kv.SetAdd("s", "x").ok());
  EXPECT_EQ(*kv.SetMembers("s"), (std::vector<std::string>{"x", "y"}));
  EXPECT_FALSE(kv.Get("s").ok()) << "WRONGTYPE";
  EXPECT_EQ(*kv.FindKeys("*"), (std::vector<std::string>{"a", "b", "s"}));
  ASSERT_TRUE(kv.Delete("a").ok());
  EXPECT_EQ(*kv.FindKeys("[ab]"), (std::vector<std::string>{"b"}));
}

TEST(Unit, GlobMatchSupportsRedisPatterns) {
  EXPECT_TRUE(GlobMatch("h*llo", "heeello"));
  EXPECT_TRUE(GlobMatch("h?llo", "hallo"));
  EXPECT_FALSE(GlobMatch("h?llo", "hllo"));
  EXPECT_TRUE(GlobMatch("h[ae]llo", "hello"));
  EXPECT_FALSE(GlobMatch("h[^e]llo", "hello"));
  EXPECT_TRUE(GlobMatch("h[a-b]llo", "hbllo"));
  EXPECT_TRUE(GlobMatch("a\\*", "a*"));
  EXPECT_FALSE(GlobMatch("a\\*", "ab"));
}

TEST(Unit, SecretStoreFallsBackToDefaultSite) {
  MemorySecretStore secrets;
  secrets.Put("community:default", "public");
  secrets.Put("community:dc2", "private");
  EXPECT_EQ(**secrets.GetBySite("community", "dc1"), "public");
  EXPECT_EQ(**secrets.GetBySite("community", "dc2"), "private");
  EXPECT_FALSE(secrets.GetBySite("other", "dc1")->has_value());
}

}  // namespace
}  // namespace panoptes::plugin
