#include <gtest/gtest.h>

#include "model/identity.h"

namespace panoptes::model {
namespace {

Resource Switch() {
  Resource r;
  r.plugin = "discovery_from_json";
  r.site = "dc1";
  r.class_ = "network";
  r.subclass = "switch";
  r.type = "juniper";
  r.id = "sw1.dc1";
  r.endpoint = "sw1.dc1.example.com";
  r.metadata = {{"os", "junos"}};
  return r;
}

TEST(Unit, ResourceKeyListsFieldsInTheOriginalsOrder) {
  EXPECT_EQ(Switch().Key(),
            "plugin|discovery_from_json|site|dc1|class|network|subclass|switch|type|juniper|id|sw1.dc1|"
            "endpoint|sw1.dc1.example.com");
}

TEST(Unit, ResourceKeyIgnoresMetadataAndTimestamp) {
  Resource a = Switch();
  Resource b = Switch();
  b.metadata["os"] = "eos";
  b.creation_timestamp = 12;
  EXPECT_EQ(a.Key(), b.Key());
}

// Expected values: hashlib.md5((normalized_name + key).encode()).hexdigest(), as the original's
// signature with repr(resource) == its serialization key.
TEST(Unit, SignatureHashesNameFollowedByResourceKey) {
  const Resource r = Switch();
  EXPECT_EQ(Signature("Interface__Metrics", &r), "03c38c18452d19a1d7a94eef07262ed4");
}

TEST(Unit, SignatureOfDiscoveryHashesTheNameAlone) {
  EXPECT_EQ(Signature("Discovery__From__Json", nullptr), "8cba1f0daaed60503d87b95774e1d3a2");
}

TEST(Unit, SignatureDiffersWhenAnyKeyFieldDiffers) {
  Resource a = Switch();
  Resource b = Switch();
  b.endpoint = "other";
  EXPECT_NE(Signature("p", &a), Signature("p", &b));
}

}  // namespace
}  // namespace panoptes::model
