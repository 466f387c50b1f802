#include "redis/keys.h"

#include <gtest/gtest.h>

namespace panoptes::redis::keys {
namespace {

TEST(Unit, KeysFollowSpecLayout) {
  EXPECT_EQ(Tasks("P", PluginKind::kPolling), "P:tasks:polling");
  EXPECT_EQ(Lock("P", PluginKind::kDiscovery, "n", "abc"), "P:lock:discovery:n:abc");
  EXPECT_EQ(Meta("P", PluginKind::kEnrichment, "n", "abc"), "P:meta:enrichment:n:abc");
  EXPECT_EQ(Metrics("P", "dc1"), "P:metrics:dc1");
  EXPECT_EQ(Enrichment("P", "host1", "interface"), "P:enrichment:host1:interface");
  EXPECT_EQ(Kv("P", "a:b"), "P:kv:a:b");
  EXPECT_EQ(Secrets("P", "snmp"), "P:secrets:snmp");
  EXPECT_EQ(Deadletter("P", PluginKind::kPolling), "P:deadletter:polling");
  EXPECT_EQ(Leader("P", PluginKind::kPolling), "P:leader:polling");
}

}  // namespace
}  // namespace panoptes::redis::keys
