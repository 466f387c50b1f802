// The thread boundaries of KindScheduler: a loop turn that throws is logged once, the loop pauses
// and recovers; a loop that keeps throwing fails the kind with the reason (the daemon then exits
// with status 1 and that reason). The backends are the memory twins, wrapped to throw.

#include "scheduler/kind_scheduler.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>

#include <atomic>
#include <chrono>
#include <future>
#include <stdexcept>
#include <thread>

#include "core/logging.h"
#include "scheduler/memory_schedule.h"

namespace panoptes::scheduler {
namespace {

using namespace std::chrono_literals;

// A schedule store whose Rebuild throws the first `throws` times (always when negative).
class ThrowingStore : public ScheduleStore {
 public:
  ThrowingStore(std::shared_ptr<MemorySchedule> state, int throws)
      : inner_(std::move(state)), throws_(throws) {}
  using ScheduleStore::Rebuild;
  Result<RebuildStats> Rebuild(const EntrySource& source) override {
    MaybeThrow();
    return inner_.Rebuild(source);
  }
  Result<RebuildStats> Rebuild(const EntrySource& source, const std::vector<std::string>& scope) override {
    MaybeThrow();
    return inner_.Rebuild(source, scope);
  }
  Result<DispatchResult> Dispatch(const std::string& token, int batch) override {
    return inner_.Dispatch(token, batch);
  }
  Result<std::vector<ListedEntry>> List() override { return inner_.List(); }
  Result<int64_t> Count() override { return inner_.Count(); }
  Result<int64_t> ServerTimeMs() override { return inner_.ServerTimeMs(); }

 private:
  void MaybeThrow() {
    if (throws_.load() == 0) return;
    if (throws_.load() > 0) --throws_;
    throw std::runtime_error("store exploded");
  }
  MemoryScheduleStore inner_;
  std::atomic<int> throws_;
};

// A leader lock whose Acquire always throws.
class ThrowingLock : public LeaderLock {
 public:
  Result<bool> Acquire() override { throw std::logic_error("lock exploded"); }
  Result<bool> Renew() override { return false; }
  Status Release() override { return Status::Ok(); }
  const std::string& token() const override { return token_; }
  int ttl_ms() const override { return 5000; }

 private:
  std::string token_ = "t";
};

// Captures the "scheduler" logger's lines for the life of the fixture.
class KindSchedulerBoundary : public ::testing::Test {
 protected:
  void SetUp() override {
    logger_ = core::Logger("scheduler");
    sink_ = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(200);
    logger_->sinks().push_back(sink_);
    ValidatorOptions options;
    options.program = PANOPTES_VALIDATOR_TEST_HELPER;
    auto v = CodeValidator::Start(options);
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    validator_ = std::move(*v);
    site_.Kind(PluginKind::kDiscovery).plugins_paths = {};  // no plugins: a rebuild of nothing
  }
  void TearDown() override { logger_->sinks().pop_back(); }

  KindBackends Backends(std::unique_ptr<ScheduleStore> store, std::unique_ptr<LeaderLock> lock = nullptr) {
    KindBackends b;
    if (!lock) lock = std::make_unique<MemoryLeaderLock>(state_, 5000, "token-1");
    b.leader = std::move(lock);
    b.dispatch_store = std::make_unique<MemoryScheduleStore>(state_);
    b.store = std::move(store);
    b.resources_version = [] { return Result<int64_t>(int64_t{1}); };
    b.list_resources = [] { return Result<ResourceTable>(ResourceTable()); };
    return b;
  }
  std::unique_ptr<KindScheduler> Make(KindBackends backends) {
    auto k =
        KindScheduler::Create(site_, PluginKind::kDiscovery, std::move(backends), *validator_, stats_, 20ms);
    EXPECT_TRUE(k.ok()) << k.status().ToString();
    return k.ok() ? std::move(*k) : nullptr;
  }
  int Lines(const std::string& text) {
    int n = 0;
    for (const std::string& line : sink_->last_formatted()) n += line.find(text) != std::string::npos;
    return n;
  }
  static bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds limit) {
    for (auto end = std::chrono::steady_clock::now() + limit; std::chrono::steady_clock::now() < end;) {
      if (done()) return true;
      std::this_thread::sleep_for(5ms);
    }
    return done();
  }

  std::shared_ptr<spdlog::logger> logger_;
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_;
  std::unique_ptr<CodeValidator> validator_;
  std::shared_ptr<MemorySchedule> state_ = std::make_shared<MemorySchedule>();
  SiteConfig site_;
  KindStats stats_;
};

TEST_F(KindSchedulerBoundary, AThrowingRebuildIsLoggedOnceAndTheLoopRecovers) {
  auto k = Make(Backends(std::make_unique<ThrowingStore>(state_, 3)));
  ASSERT_TRUE(k);
  std::thread run([&] { k->Run(); });
  bool rebuilt = WaitFor([&] { return stats_.rebuilds.load() >= 1; }, 10s);
  k->RequestStop();
  run.join();
  EXPECT_TRUE(rebuilt) << "no rebuild succeeded after the store stopped throwing";
  EXPECT_FALSE(k->failure().has_value()) << *k->failure();
  EXPECT_EQ(Lines("maintenance loop failed (retrying in 20 ms): store exploded"), 1);
  EXPECT_EQ(Lines("maintenance loop recovered"), 1);
}

TEST_F(KindSchedulerBoundary, ALoopThatKeepsThrowingFailsTheKindWithTheReason) {
  auto k = Make(Backends(std::make_unique<ThrowingStore>(state_, -1)));
  ASSERT_TRUE(k);
  auto run = std::async(std::launch::async, [&] { k->Run(); });
  ASSERT_EQ(run.wait_for(10s), std::future_status::ready) << "Run did not return after the loop kept failing";
  ASSERT_TRUE(k->failure().has_value());
  EXPECT_EQ(*k->failure(), "maintenance loop failed 5 times in a row: store exploded");
  EXPECT_EQ(Lines("maintenance loop failed (retrying"), 1);
  EXPECT_EQ(Lines("maintenance loop failed 5 times in a row: store exploded; the scheduler stops"), 1);
}

TEST_F(KindSchedulerBoundary, ADispatchLoopThatKeepsThrowingFailsTheKind) {
  auto k = Make(Backends(std::make_unique<MemoryScheduleStore>(state_), std::make_unique<ThrowingLock>()));
  ASSERT_TRUE(k);
  auto run = std::async(std::launch::async, [&] { k->Run(); });
  ASSERT_EQ(run.wait_for(10s), std::future_status::ready) << "Run did not return after the loop kept failing";
  ASSERT_TRUE(k->failure().has_value());
  EXPECT_EQ(*k->failure(), "dispatch loop failed 5 times in a row: lock exploded");
  EXPECT_EQ(Lines("dispatch loop failed (retrying in 20 ms): lock exploded"), 1);
}

TEST_F(KindSchedulerBoundary, CreateRefusesIncompleteBackends) {
  KindBackends b = Backends(std::make_unique<MemoryScheduleStore>(state_));
  b.list_resources = nullptr;
  auto k = KindScheduler::Create(site_, PluginKind::kDiscovery, std::move(b), *validator_, stats_);
  ASSERT_FALSE(k.ok());
  EXPECT_EQ(k.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace panoptes::scheduler
