// The supervisor's Redis courier (src/agent/redis_courier.h) on its own, against a real
// redis-server: the whole-plugin quarantine and health report jobs, each with its effect in Redis
// and its reply. Both are tried once (only hand-backs and reaps are retried): with Redis gone the
// reply is the failure, the job is not done later, and the jobs after it are.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>  // before Asio: boost 1.74 awaitable.hpp needs std::exchange
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>

#include "agent/redis_courier.h"
#include "agent/redis_task_queue.h"
#include "process/process.h"
#include "redis/client.h"
#include "redis/keys.h"
#include "support/redis_server.h"

namespace panoptes::testing {
namespace {

using agent::CourierJob;
using agent::CourierReply;
using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

class CourierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(redis_.Start());
    RedisConfig config = redis_.Config();
    prefix_ = config.key_prefix;
    client_ = std::make_unique<redis::Client>(config, "courier-test");
    queue_ = std::make_unique<agent::RedisTaskQueue>(*client_, prefix_, PluginKind::kPolling);
    courier_ = std::make_unique<agent::RedisCourier>(io_, config);
    Status started = courier_->Start();
    ASSERT_TRUE(started.ok()) << started.ToString();
  }
  void TearDown() override {
    pid_t pid = courier_ ? courier_->pid() : -1;
    courier_.reset();  // closes its socket: the courier process ends once its jobs are done
    if (pid > 0) {
      EXPECT_TRUE(process::WaitFor(pid, 15000)) << "the courier process exits when closed";
    }
  }

  static CourierJob Job(CourierJob::Op op, std::vector<std::string> workers = {}, std::string error = "") {
    CourierJob job;
    job.op = op;
    job.kind = PluginKind::kPolling;
    job.workers = std::move(workers);
    job.error = std::move(error);
    return job;
  }
  // Submits `job` and runs the io_context until its reply came (nullopt: none within 10 s).
  std::optional<CourierReply> Send(CourierJob job) {
    auto reply = std::make_shared<std::optional<CourierReply>>();
    courier_->Submit(std::move(job), [reply](const CourierReply& r) { *reply = r; });
    io_.restart();
    for (auto end = Clock::now() + seconds(10); !*reply && Clock::now() < end;)
      io_.run_one_for(milliseconds(50));
    return *reply;
  }
  // As worker w1 (registered through the courier, as the supervisor does): takes task-1 of plugin
  // "p" (pair p:1, every 60 s) and passes its guard, so that its running record names the plugin:
  // what a worker leaves that dies importing the plugin's code.
  void StartRun() {
    CourierJob registration = Job(CourierJob::Op::kRegister, {"w1"});
    registration.ttl_ms = 60000;
    auto registered = Send(registration);
    ASSERT_TRUE(registered && registered->status.ok())
        << (registered ? registered->status.ToString() : "no reply");
    ASSERT_EQ(redis_.Cli({"LPUSH", redis::keys::Tasks(prefix_, PluginKind::kPolling), "task-1"}), "1");
    agent::StepRequest take;
    take.next = agent::StepNext::kTake;
    auto taken = queue_->Step("w1", take);
    ASSERT_TRUE(taken.ok() && taken->taken == "task-1") << taken.status().ToString();
    agent::StepRequest guard;
    guard.guard = Guard();
    auto verdict = queue_->Step("w1", guard);
    ASSERT_TRUE(verdict.ok()) << verdict.status().ToString();
    ASSERT_EQ(verdict->verdict, agent::Verdict::kRun);
  }
  agent::GuardPart Guard() const {
    agent::GuardPart g;
    g.raw = "task-1";
    g.lock = prefix_ + ":lock:polling:p:1";
    g.meta = prefix_ + ":meta:polling:p:1";
    g.token = "token-1";
    g.lock_ttl_ms = 60000;
    g.execute_frequency = 60;
    g.expires_at = 1e18;
    g.task_id = "1";
    g.plugin = "p";
    g.resource_id = "r1";
    g.health.entry = "p:1";
    g.health.plugin_quarantine = PluginQuarantine();
    g.health.quarantine_after = 3;
    g.health.backoff_max_s = 300;
    g.health.frequency = 60;
    g.health.stale_after_s = 180;
    return g;
  }
  std::string PluginQuarantine() const {
    return redis::keys::PluginQuarantine(prefix_, PluginKind::kPolling, "p");
  }
  std::string QuarantineSet() const { return redis::keys::Quarantine(prefix_, PluginKind::kPolling); }
  std::string FreshnessSet() const { return redis::keys::Freshness(prefix_, PluginKind::kPolling); }

  RedisServer redis_;
  std::string prefix_;
  std::unique_ptr<redis::Client> client_;
  std::unique_ptr<agent::RedisTaskQueue> queue_;
  boost::asio::io_context io_;
  std::unique_ptr<agent::RedisCourier> courier_;
};

TEST_F(CourierTest, QuarantinePluginJobQuarantinesThePluginTheWorkerWasRunning) {
  StartRun();
  if (HasFatalFailure()) return;
  auto reply = Send(Job(CourierJob::Op::kQuarantinePlugin, {"w1"}, "importing its code: killed by SIGSEGV"));
  ASSERT_TRUE(reply) << "no reply within 10 s";
  ASSERT_TRUE(reply->status.ok()) << reply->status.ToString();
  EXPECT_EQ(reply->a, 1);
  EXPECT_EQ(reply->texts, std::vector<std::string>{"p"}) << "the plugin's normalized name";
  EXPECT_EQ(redis_.Cli({"HGET", PluginQuarantine(), "failures"}), "1");
  EXPECT_EQ(redis_.Cli({"HGET", PluginQuarantine(), "plugin"}), "p");
  EXPECT_EQ(redis_.Cli({"HGET", PluginQuarantine(), "error"}), "importing its code: killed by SIGSEGV");
  double until = std::stod(redis_.Cli({"HGET", PluginQuarantine(), "until"}));
  EXPECT_NEAR(until - std::stod(redis_.Cli({"HGET", PluginQuarantine(), "since"})), 120, 0.01)
      << "the first crash: twice the frequency";
  EXPECT_NEAR(std::stod(redis_.Cli({"ZSCORE", QuarantineSet(), "p"})), until, 0.01);

  auto idle = Send(Job(CourierJob::Op::kQuarantinePlugin, {"w2"}, "importing its code: crash"));
  ASSERT_TRUE(idle && idle->status.ok()) << (idle ? idle->status.ToString() : "no reply");
  EXPECT_EQ(idle->a, 0) << "nothing ran on w2";
  EXPECT_TRUE(idle->texts.empty());
  EXPECT_EQ(redis_.Cli({"HGET", PluginQuarantine(), "failures"}), "1") << "no plugin quarantined again";
}

TEST_F(CourierTest, HealthReportJobCountsQuarantinedAndStalePairsPerPlugin) {
  StartRun();
  if (HasFatalFailure()) return;
  ASSERT_TRUE(queue_->QuarantinePlugin("w1", "importing its code: crash").ok());
  ASSERT_EQ(redis_.Cli({"ZADD", QuarantineSet(), "9e9", "q:8"}), "1");  // a pair of q in quarantine
  ASSERT_EQ(redis_.Cli({"ZADD", FreshnessSet(), "1", "q:7"}), "1");     // a pair of q without an ok result
  auto reply = Send(Job(CourierJob::Op::kHealthReport));
  ASSERT_TRUE(reply) << "no reply within 10 s";
  ASSERT_TRUE(reply->status.ok()) << reply->status.ToString();
  // Per plugin: name, quarantined pairs, whole plugin quarantined, stale pairs. p:1 just started:
  // its freshness deadline is 180 s away.
  EXPECT_EQ(reply->texts, (std::vector<std::string>{"p", "0", "1", "0", "q", "1", "0", "1"}));
}

TEST_F(CourierTest, QuarantineAndHealthReportAreTriedOnceWhileRedisIsGone) {
  redis_.Stop();
  auto quarantine = Send(Job(CourierJob::Op::kQuarantinePlugin, {"w1"}, "importing its code: crash"));
  ASSERT_TRUE(quarantine) << "the failure is answered, not retried until Redis is back";
  EXPECT_FALSE(quarantine->status.ok());
  auto report = Send(Job(CourierJob::Op::kHealthReport));
  ASSERT_TRUE(report) << "the failure is answered, not retried until Redis is back";
  EXPECT_FALSE(report->status.ok());

  ASSERT_TRUE(redis_.Start());  // the same port, no data
  // The courier's connection comes back after its reconnect backoff (at most 200 ms here).
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto r = Send(Job(CourierJob::Op::kHealthReport));
        return r && r->status.ok();
      },
      seconds(5), "a health report through the courier succeeds again"));
  client_ = std::make_unique<redis::Client>(redis_.Config(prefix_), "courier-test");  // a fresh connection
  queue_ = std::make_unique<agent::RedisTaskQueue>(*client_, prefix_, PluginKind::kPolling);
  StartRun();  // w1 runs p now: a late repeat of the failed job would quarantine p
  if (HasFatalFailure()) return;
  auto after = Send(Job(CourierJob::Op::kHealthReport));
  ASSERT_TRUE(after && after->status.ok()) << (after ? after->status.ToString() : "no reply");
  EXPECT_TRUE(after->texts.empty()) << "nothing quarantined or stale";
  EXPECT_EQ(redis_.Cli({"EXISTS", PluginQuarantine()}), "0") << "the failed quarantine was not done later";
}

}  // namespace
}  // namespace panoptes::testing
