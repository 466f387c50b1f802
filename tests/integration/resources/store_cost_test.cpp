// Cost of ResourceStore::PutDiscovered with 100k resources against a real redis-server: wall time
// of the put, the longest single Redis call (SLOWLOG with slowlog-log-slower-than 0) and the worst
// PING latency another client sees meanwhile. A measurement, not a pass/fail check of speed: it is
// DISABLED_ (seconds of work on the 2-core machine); run it with
//   resources_integration_test --gtest_also_run_disabled_tests --gtest_filter='*Cost*'
// The figures go to docs/redis.md ("Resource store").
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
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

using Clock = std::chrono::steady_clock;

// With a second metadata entry, as real discoveries carry several.
Resource RackedNumbered(int i) {
  Resource r = Numbered(i);
  r.metadata["rack"] = "r" + std::to_string(i % 97);
  return r;
}

// Pings from its own connection until stopped; keeps the worst round trip.
class PingProbe {
 public:
  explicit PingProbe(const RedisConfig& config) : client_(config, "cost-probe") {
    thread_ = std::thread([this] { Run(); });
  }
  ~PingProbe() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  double worst_ms() const { return worst_us_ / 1000.0; }

 private:
  void Run() {
    while (!stop_) {
      const auto start = Clock::now();
      if (!client_.Command({"PING"}).ok()) continue;
      const auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count();
      worst_us_ = std::max<int64_t>(worst_us_, us);
    }
  }
  redis::Client client_;
  std::atomic<bool> stop_ = false;
  std::atomic<int64_t> worst_us_ = 0;
  std::thread thread_;
};

struct SlowlogFigures {
  int64_t longest_us = 0;
  int64_t median_us = 0;
  size_t evalsha_calls = 0;
};

// Longest and median EVALSHA in the slowlog (entry: id, time, duration µs, argv, addr, name) and
// their number.
SlowlogFigures ReadSlowlog(redis::Client& client) {
  SlowlogFigures figures;
  std::vector<int64_t> durations;
  auto log = client.Command({"SLOWLOG", "GET", "-1"});
  EXPECT_TRUE(log.ok()) << log.status().ToString();
  if (!log.ok()) return figures;
  for (const redis::Reply& entry : log->elements) {
    if (entry.elements.size() < 4 || entry.elements[3].elements.empty()) continue;
    if (entry.elements[3].elements[0].str != "EVALSHA" && entry.elements[3].elements[0].str != "evalsha")
      continue;
    durations.push_back(entry.elements[2].integer);
  }
  if (durations.empty()) return figures;
  std::sort(durations.begin(), durations.end());
  figures.evalsha_calls = durations.size();
  figures.longest_us = durations.back();
  figures.median_us = durations[durations.size() / 2];
  return figures;
}

TEST(Integration, DISABLED_CostOfPuttingOneHundredThousandResources) {
  testing::RedisServer server(
      testing::RedisServerOptions{"", {"--slowlog-log-slower-than", "0", "--slowlog-max-len", "1000000"}});
  ASSERT_TRUE(server.Start());
  const RedisConfig config = server.Config();
  redis::Client client(config, "cost-test");
  redis::Client admin(config, "cost-admin");
  ResourceStore store(client, config.key_prefix);
  std::vector<Resource> all;
  for (int i = 0; i < 100000; ++i) all.push_back(RackedNumbered(i));
  // Half of them gone and 10k new ones: the vanish path at scale.
  std::vector<Resource> changed(all.begin() + 50000, all.end());
  for (int i = 100000; i < 110000; ++i) changed.push_back(RackedNumbered(i));

  for (const auto* result : {&all, &all, &changed}) {
    ASSERT_TRUE(admin.Command({"SLOWLOG", "RESET"}).ok());
    PingProbe probe(config);
    const auto start = Clock::now();
    ASSERT_TRUE(store.PutDiscovered("disc", *result, 3600).ok());
    const double put_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    probe.Stop();
    const SlowlogFigures figures = ReadSlowlog(admin);
    std::printf(
        "put %zu resources: %.0f ms, %zu EVALSHA calls, median %.1f ms, longest %.1f ms, "
        "worst PING %.1f ms\n",
        result->size(), put_ms, figures.evalsha_calls, figures.median_us / 1000.0,
        figures.longest_us / 1000.0, probe.worst_ms());
    EXPECT_GT(figures.evalsha_calls, 0u);
  }
  auto listed = store.List();
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  EXPECT_EQ(listed->size(), changed.size());
}

}  // namespace
}  // namespace panoptes::resources
