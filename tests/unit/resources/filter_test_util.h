#pragma once
// Helpers shared by the filter tests.

#include <string>

#include <gtest/gtest.h>

#include "resources/filter.h"

namespace panoptes::resources::testing {

inline Resource Switch() {
  Resource r;
  r.site = "dc1";
  r.class_ = "network";
  r.subclass = "switch";
  r.type = "juniper";
  r.id = "sw1.dc1";
  r.endpoint = "sw1.dc1.example.com";
  r.plugin = "discovery_from_json";
  r.metadata = {{"os", "JunOS"}, {"os_version", "18.4R1"}, {"rack", "r12"}};
  return r;
}

// Parses `expr` (the test fails if it does not parse) and evaluates it on `r`.
inline bool Match(const std::string& expr, const Resource& r = Switch()) {
  auto filter = ParseFilter(expr);
  EXPECT_TRUE(filter.ok()) << expr << ": " << filter.status().ToString();
  return filter.ok() && filter->Matches(r);
}

// The error message of a filter that must not parse.
inline std::string ErrorOf(const std::string& expr) {
  auto filter = ParseFilter(expr);
  if (filter.ok()) return "(parsed as " + filter->ToString() + ")";
  EXPECT_EQ(filter.status().code(), StatusCode::kInvalidArgument);
  return filter.status().message();
}

}  // namespace panoptes::resources::testing
