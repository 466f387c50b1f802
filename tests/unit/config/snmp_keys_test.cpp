// [snmp] and [x509] of the site config: every bad value is an error naming file, line, key, value
// and what is accepted.
#include <gtest/gtest.h>

#include "unit/config/test_util.h"

namespace panoptes::config {
namespace {

using testing::BadSiteValue;
using BadValue = BadSiteValue;

class SnmpBadValue : public ::testing::TestWithParam<BadValue> {};

TEST_P(SnmpBadValue, IsConfigErrorNamingKeyAndRange) {
  EXPECT_TRUE(testing::RefusedWithReason(GetParam(), "[main]\nsites = dc1\n"));
}

INSTANTIATE_TEST_SUITE_P(
    Unit, SnmpBadValue,
    ::testing::Values(
        BadValue{"snmp", "timeout", "0", "must be an integer in 1..120 (seconds)"},
        BadValue{"snmp", "timeout", "121", "must be an integer in 1..120 (seconds)"},
        BadValue{"snmp", "retries", "0", "must be an integer in 1..10"},
        BadValue{"snmp", "retries", "11", "must be an integer in 1..10"},
        BadValue{"snmp", "non_repeaters", "-1", "must be an integer in 0..65535"},
        BadValue{"snmp", "max_repetitions", "0", "must be an integer in 1..65535"},
        BadValue{"snmp", "port", "0", "must be an integer in 1..65535"},
        BadValue{"snmp", "port", "snmp", "must be an integer in 1..65535"},
        BadValue{"snmp", "proxy_port", "65536", "must be an integer in 1..65535"},
        BadValue{"snmp", "v3_security_level", "auth", "must be noAuthNoPriv, authNoPriv or authPriv"},
        BadValue{"snmp", "v3_auth_protocol", "SHA512", "must be MD5 or SHA"},
        BadValue{"snmp", "v3_privacy_protocol", "3DES", "must be AES or DES"},
        BadValue{"snmp", "v3_username", "two words", "must be a word without blanks, or empty"},
        BadValue{"snmp", "version", "4", "unknown SNMP version: must be 1, 2c (or 2) or 3"},
        BadValue{"snmp", "version", "v2c", "unknown SNMP version: must be 1, 2c (or 2) or 3"},
        BadValue{"snmp", "community", "", "must be a non-empty string on one line"},
        BadValue{"snmp", "community_string_key", "two words", "must be a non-empty word without blanks"},
        BadValue{"snmp", "connection_factory_module", "a..b",
                 "must be a dotted Python module name (e.g. a.b.c)"},
        BadValue{"snmp", "connection_factory_class", "1Factory", "must be a Python class name"},
        BadValue{"x509", "x509_secured_requests", "3",
                 "must be an integer in 0..2 (0 no x509, 1 where available, 2 mandatory)"},
        BadValue{"x509", "x509_cert_location", "", "must be a non-empty directory path"},
        BadValue{"x509", "x509_key_filename", "keys/panoptes.key",
                 "must be a non-empty file name without '/'"}),
    [](const ::testing::TestParamInfo<BadValue>& info) {
      std::string name = std::string(info.param.key) + "_" + std::to_string(info.index);
      return name;
    });

TEST(Unit, SnmpVersionTwoIsStoredAsTwoC) {
  auto loaded = ParseSiteConfig("[snmp]\nversion = 2\n", testing::kSitePath);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->config.snmp.version, "2c");
  EXPECT_TRUE(loaded->warnings.empty());
}

TEST(Unit, SnmpUnknownKeyIsWarning) {
  auto loaded = ParseSiteConfig("[snmp]\ncommunity = x\ncolour = blue\n", testing::kSitePath);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->warnings,
            (std::vector<std::string>{"/etc/panoptes/panoptes.ini:3: [snmp] unknown key 'colour' ignored"}));
  EXPECT_EQ(loaded->config.snmp.community, "x");
}

}  // namespace
}  // namespace panoptes::config
