#include "panoptes/status.h"

#include <gtest/gtest.h>

namespace panoptes {
namespace {

TEST(Unit, StatusDefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(Unit, StatusCarriesCodeAndMessage) {
  Status s = Status::NotFound("plugin.py");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.ToString(), "not found: plugin.py");
  EXPECT_EQ(s.WithContext("a.panoptes-plugin").message(), "a.panoptes-plugin: plugin.py");
}

TEST(Unit, ResultHoldsValueOrStatus) {
  Result<int> good = 3;
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 3);
  EXPECT_TRUE(good.status().ok());
  Result<int> bad = Status::InvalidArgument("x");
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
}

Status Fails() {
  return Status::Timeout("t");
}
Status Propagates() {
  PANOPTES_RETURN_IF_ERROR(Fails());
  return Status::Internal("not reached");
}

TEST(Unit, ReturnIfErrorPropagates) {
  EXPECT_EQ(Propagates().code(), StatusCode::kTimeout);
}

}  // namespace
}  // namespace panoptes
