#include "http/metrics.h"

#include <gtest/gtest.h>

namespace panoptes::http {
namespace {

TEST(Unit, RenderGroupsLabelSetsUnderOneFamily) {
  Registry r;
  r.AddCounter("panoptes_x_total", "Things.", {{"reason", "locked"}}).Inc();
  r.AddCounter("panoptes_x_total", "Things.", {{"reason", "too soon"}}).Inc(2);
  r.AddGauge("panoptes_depth", "Depth.").Set(5);
  std::string text = r.Render();
  EXPECT_NE(text.find("# HELP panoptes_x_total Things.\n# TYPE panoptes_x_total counter\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("panoptes_x_total{reason=\"locked\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("panoptes_x_total{reason=\"too soon\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("# TYPE panoptes_depth gauge\npanoptes_depth 5\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("# HELP panoptes_x_total", text.find("reason=\"locked\"")), std::string::npos)
      << "one HELP line per family";
}

TEST(Unit, SameNameAndLabelsGiveTheSameMetric) {
  Registry r;
  Counter& a = r.AddCounter("c_total", "c", {{"k", "v"}});
  Counter& b = r.AddCounter("c_total", "c", {{"k", "v"}});
  EXPECT_EQ(&a, &b);
}

TEST(Unit, HistogramBucketsAreCumulative) {
  Registry r;
  Histogram& h = r.AddHistogram("d_seconds", "d", {0.1, 1}, {{"kind", "polling"}});
  h.Observe(0.05);
  h.Observe(0.5);
  h.Observe(5);
  std::string text = r.Render();
  EXPECT_NE(text.find("d_seconds_bucket{kind=\"polling\",le=\"0.1\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("d_seconds_bucket{kind=\"polling\",le=\"1\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("d_seconds_bucket{kind=\"polling\",le=\"+Inf\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("d_seconds_sum{kind=\"polling\"} 5.55\n"), std::string::npos) << text;
  EXPECT_NE(text.find("d_seconds_count{kind=\"polling\"} 3\n"), std::string::npos) << text;
}

TEST(Unit, LabelValuesAreEscaped) {
  EXPECT_EQ(FormatLabels({{"a", "x\"y\\z\n"}}), "{a=\"x\\\"y\\\\z\\n\"}");
  EXPECT_EQ(FormatLabels({}), "");
}

}  // namespace
}  // namespace panoptes::http
