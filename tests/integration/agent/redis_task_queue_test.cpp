// The TaskQueue contract (tests/contract) against RedisTaskQueue on a real redis-server.

#include "agent/redis_task_queue.h"

#include <gtest/gtest.h>

#include <ctime>
#include <map>
#include <sstream>

#include "contract/task_queue_contract.h"
#include "redis/client.h"
#include "redis/keys.h"
#include "support/redis_server.h"

namespace panoptes::testing {
namespace {

class RedisWorld : public TaskQueueWorld {
 public:
  RedisWorld() {
    started_ = redis_.Start();
    prefix_ = redis_.Config().key_prefix;
    client_ = std::make_unique<redis::Client>(redis_.Config(), "task-queue-contract");
    queue_ = std::make_unique<agent::RedisTaskQueue>(*client_, prefix_, PluginKind::kPolling);
  }
  agent::TaskQueue& queue() override { return *queue_; }
  const std::string& prefix() const override { return prefix_; }
  void LPush(const std::string& key, const std::string& value) override { Run({"LPUSH", key, value}); }
  std::vector<std::string> List(const std::string& key) override {
    std::vector<std::string> out;
    for (const auto& e : Run({"LRANGE", key, "0", "-1"}).elements) out.push_back(e.str);
    return out;
  }
  std::optional<std::string> Get(const std::string& key) override { return Optional(Run({"GET", key})); }
  void Set(const std::string& key, const std::string& value) override { Run({"SET", key, value}); }
  std::optional<std::string> HGet(const std::string& key, const std::string& field) override {
    return Optional(Run({"HGET", key, field}));
  }
  void HSet(const std::string& key, const std::string& field, const std::string& value) override {
    Run({"HSET", key, field, value});
  }
  bool Exists(const std::string& key) override { return Run({"EXISTS", key}).integer == 1; }
  int64_t StreamLength(const std::string& key) override { return Run({"XLEN", key}).integer; }
  void Del(const std::string& key) override { Run({"DEL", key}); }
  std::optional<double> ZScore(const std::string& key, const std::string& member) override {
    auto r = Run({"ZSCORE", key, member});
    return r.IsNil() ? std::nullopt : std::optional<double>(std::stod(r.str));
  }
  void ZAdd(const std::string& key, double score, const std::string& member) override {
    Run({"ZADD", key, std::to_string(score), member});
  }

 private:
  redis::Reply Run(const redis::Args& argv) {
    auto r = client_->Command(argv);
    EXPECT_TRUE(r.ok()) << argv[0] << ": " << r.status().ToString();
    return r.ok() ? *r : redis::Reply{};
  }
  static std::optional<std::string> Optional(const redis::Reply& r) {
    return r.IsNil() ? std::nullopt : std::optional<std::string>(r.str);
  }

  RedisServer redis_;
  bool started_ = false;
  std::string prefix_;
  std::unique_ptr<redis::Client> client_;
  std::unique_ptr<agent::RedisTaskQueue> queue_;
};

INSTANTIATE_TEST_SUITE_P(Redis, TaskQueueContract,
                         ::testing::Values(WorldFactory([] { return std::make_unique<RedisWorld>(); })));

}  // namespace
}  // namespace panoptes::testing

namespace panoptes::testing {
namespace {

// The metrics_maxlen cap of the step script (docs/outputs.md): it trims blindly only while no
// consumer group reads the stream; with a group, what it trims is counted as overflow.
class MetricsCapTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(redis_.Start());
    prefix_ = redis_.Config().key_prefix;
    client_ = std::make_unique<redis::Client>(redis_.Config(), "metrics-cap");
    queue_ = std::make_unique<agent::RedisTaskQueue>(*client_, prefix_, PluginKind::kPolling);
  }
  // Runs `n` tasks through guard -> finish (one metrics group each) with a cap of `maxlen`.
  void RunTasks(int n, int maxlen) {
    for (int i = 0; i < n; ++i) Cli({"LPUSH", redis::keys::Tasks(prefix_, PluginKind::kPolling), Raw(i)});
    agent::StepRequest req;
    req.next = agent::StepNext::kTake;
    req.metrics_maxlen = maxlen;
    ASSERT_TRUE(queue_->Step("w", req).ok());
    for (int i = 0; i < n; ++i) {
      req.guard = Guard(i);
      if (i > 0) req.finish = FinishOf(Guard(i - 1));
      auto r = queue_->Step("w", req);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      ASSERT_EQ(r->verdict, agent::Verdict::kRun) << "task " << i;
    }
    req.guard.reset();
    req.finish = FinishOf(Guard(n - 1));
    req.next = agent::StepNext::kNone;
    ASSERT_TRUE(queue_->Step("w", req).ok());
  }
  std::string Raw(int i) const { return "task-" + std::to_string(round_) + "-" + std::to_string(i); }
  agent::GuardPart Guard(int i) const {
    agent::GuardPart g;
    g.raw = Raw(i);
    g.lock = prefix_ + ":lock:" + Raw(i);
    g.meta = prefix_ + ":meta:" + Raw(i);
    g.token = "token-" + Raw(i);
    g.lock_ttl_ms = 60000;
    g.execute_frequency = 60;
    g.expires_at = 1e18;
    g.task_id = Raw(i);
    g.plugin = "p";
    return g;
  }
  agent::FinishPart FinishOf(const agent::GuardPart& g) const {
    agent::FinishPart f;
    f.lock = g.lock;
    f.meta = g.meta;
    f.token = g.token;
    f.status = "ok";
    f.stored = true;
    f.outputs.push_back({Stream(), true, 0, "group of " + g.task_id});
    return f;
  }
  std::string Stream() const { return redis::keys::Metrics(prefix_, "s1"); }
  std::string Cli(const std::vector<std::string>& argv) { return redis_.Cli(argv); }

  RedisServer redis_;
  std::string prefix_;
  std::unique_ptr<redis::Client> client_;
  std::unique_ptr<agent::RedisTaskQueue> queue_;
  int round_ = 0;
};

TEST_F(MetricsCapTest, CapTrimsSilentlyWithoutGroupAndCountsOverflowWithOne) {
  RunTasks(400, 50);
  int64_t len = std::stoll(Cli({"XLEN", Stream()}));
  EXPECT_LT(len, 400) << "without a consumer group the stream is a bounded buffer";
  EXPECT_GE(len, 50);
  EXPECT_EQ(Cli({"GET", redis::keys::MetricsOverflow(prefix_, "s1")}), "") << "nobody reads it: no overflow";

  ASSERT_EQ(Cli({"XGROUP", "CREATE", Stream(), "g", "$"}), "OK");
  ++round_;
  RunTasks(400, 50);
  std::string overflow = Cli({"GET", redis::keys::MetricsOverflow(prefix_, "s1")});
  ASSERT_FALSE(overflow.empty()) << "a group that read nothing: what the cap trims is counted";
  int64_t now_len = std::stoll(Cli({"XLEN", Stream()}));
  EXPECT_LT(now_len, 400) << "the cap still bounds the backlog";
  EXPECT_GT(std::stoll(overflow), 0);
  EXPECT_LE(std::stoll(overflow), 400);
}

// How many times Redis ran `command` since the last CONFIG RESETSTAT, scripts' calls included.
int64_t Calls(RedisServer& redis, const std::string& command) {
  std::string stats = redis.Cli({"INFO", "commandstats"});
  std::string field = "cmdstat_" + command + ":calls=";
  size_t at = stats.find(field);
  return at == std::string::npos ? 0 : std::stoll(stats.substr(at + field.size()));
}

TEST_F(MetricsCapTest, CapIsCheckedOncePerStreamOfATaskNotOncePerGroup) {
  std::string other = redis::keys::Metrics(prefix_, "s2");
  Cli({"LPUSH", redis::keys::Tasks(prefix_, PluginKind::kPolling), Raw(0)});
  agent::StepRequest take;
  take.next = agent::StepNext::kTake;
  ASSERT_TRUE(queue_->Step("w", take).ok());
  agent::StepRequest guard;
  guard.guard = Guard(0);
  ASSERT_EQ(queue_->Step("w", guard)->verdict, agent::Verdict::kRun);
  agent::StepRequest finish;
  finish.finish = FinishOf(Guard(0));
  finish.finish->outputs.clear();
  for (int i = 0; i < 300; ++i)
    finish.finish->outputs.push_back({i % 2 ? Stream() : other, true, 0, "group"});
  finish.metrics_maxlen = 50;
  ASSERT_EQ(Cli({"CONFIG", "RESETSTAT"}), "OK");
  auto r = queue_->Step("w", finish);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(r->finished);
  EXPECT_EQ(Calls(redis_, "xadd"), 300);
  EXPECT_EQ(Calls(redis_, "xlen"), 2) << "one cap check per stream the run wrote, not one per group";
  for (const std::string& stream : {Stream(), other}) {
    int64_t len = std::stoll(Cli({"XLEN", stream}));
    EXPECT_LT(len, 150) << stream << ": the cap applies to what one run wrote";
    EXPECT_GE(len, 50) << stream;
  }
}

}  // namespace
}  // namespace panoptes::testing

namespace panoptes::testing {
namespace {

// What one steady-state step (finish ok, guard run, take) costs Redis, command by command: a
// regression in the step script's cost shows here (docs/performance.md, "The step's Redis
// commands").
class StepCostTest : public MetricsCapTest {
 protected:
  // Task i of the current round, for pair i (the same pair in every round).
  agent::GuardPart PairGuard(int i) const {
    agent::GuardPart g = Guard(i);
    g.lock = prefix_ + ":lock:polling:p:" + std::to_string(i);
    g.meta = prefix_ + ":meta:polling:p:" + std::to_string(i);
    g.health.entry = "p:" + std::to_string(i);
    g.health.plugin_quarantine = redis::keys::PluginQuarantine(prefix_, PluginKind::kPolling, "p");
    g.health.quarantine_after = 3;
    g.health.frequency = 60;
    g.health.stale_after_s = 180;
    return g;
  }
  agent::StepRequest Steady(int i) const {
    agent::StepRequest req;
    req.guard = PairGuard(i);
    req.next = agent::StepNext::kTake;
    if (i > 0) {
      req.finish = FinishOf(PairGuard(i - 1));
      req.finish->health = PairGuard(i - 1).health;
    }
    return req;
  }
  // Queues tasks 0..3 of a new round, runs 0 and 1 and returns the commands of the step that
  // finishes 1, guards 2 and takes 3. `again`: the pairs ran in an earlier round.
  std::map<std::string, int64_t> StepCalls(bool again) {
    if (again) {
      for (int i = 0; i < 4; ++i) Cli({"HSET", PairGuard(i).meta, "last_executed", "1"});  // due again
      ++round_;
    }
    for (int i = 0; i < 4; ++i) Cli({"LPUSH", redis::keys::Tasks(prefix_, PluginKind::kPolling), Raw(i)});
    agent::StepRequest take;
    take.next = agent::StepNext::kTake;
    EXPECT_TRUE(queue_->Step("w", take).ok());
    EXPECT_EQ(queue_->Step("w", Steady(0))->verdict, agent::Verdict::kRun);
    EXPECT_EQ(queue_->Step("w", Steady(1))->verdict, agent::Verdict::kRun);
    EXPECT_EQ(Cli({"CONFIG", "RESETSTAT"}), "OK");
    auto r = queue_->Step("w", Steady(2));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_TRUE(r->finished);
    EXPECT_EQ(r->verdict, agent::Verdict::kRun);
    EXPECT_EQ(r->taken, Raw(3));
    auto calls = CommandCalls();
    for (auto it = calls.begin(); it != calls.end();) {  // the test's own: CONFIG RESETSTAT, CLIENT SETNAME
      it = it->first.find('|') == std::string::npos ? std::next(it) : calls.erase(it);
    }
    EXPECT_EQ(calls["evalsha"], 1);
    calls.erase("evalsha");
    // Run out the round: finish 2, guard and finish 3.
    EXPECT_EQ(queue_->Step("w", Steady(3))->verdict, agent::Verdict::kRun);
    agent::StepRequest last;
    last.finish = FinishOf(PairGuard(3));
    last.finish->health = PairGuard(3).health;
    EXPECT_TRUE(queue_->Step("w", last)->finished);
    return calls;
  }
  // cmdstat_<name> -> calls, since the last CONFIG RESETSTAT.
  std::map<std::string, int64_t> CommandCalls() {
    std::map<std::string, int64_t> calls;
    std::istringstream in(Cli({"INFO", "commandstats"}));
    for (std::string line; std::getline(in, line);) {
      size_t name = line.find("cmdstat_"), colon = line.find(":calls=");
      if (name != 0 || colon == std::string::npos) continue;
      calls[line.substr(8, colon - 8)] = std::stoll(line.substr(colon + 7));
    }
    return calls;
  }
  static int64_t Total(const std::map<std::string, int64_t>& calls) {
    int64_t total = 0;
    for (const auto& [name, n] : calls) total += n;
    return total;
  }
};

TEST_F(StepCostTest, SteadyStateStepRunsSeventeenCommands) {
  // TIME; finish: HGET token, XADD, XLEN, HMGET meta, ZADD freshness, DEL plugin quarantine, HSET
  // meta, GET + DEL lock, RPOP; guard: LPOS (the tail), SET NX lock, HMGET meta, HSET meta, HSET
  // running; take: LMOVE.
  std::map<std::string, int64_t> expected{{"time", 1}, {"hget", 1}, {"xadd", 1}, {"xlen", 1}, {"hmget", 2},
                                          {"zadd", 1}, {"del", 2},  {"hset", 3}, {"get", 1},  {"rpop", 1},
                                          {"lpos", 1}, {"set", 1},  {"lmove", 1}};
  StepCalls(false);
  auto again = StepCalls(true);  // the pairs' second round
  EXPECT_EQ(again, expected);
  EXPECT_EQ(Total(again), 17);
  int64_t ttl = std::stoll(Cli({"TTL", PairGuard(2).meta}));
  EXPECT_GT(ttl, agent::kMetaTtlSeconds) << "the first round's TTL lasts";
}

TEST_F(StepCostTest, FirstRunOfAPairAlsoSetsItsMetasTtl) {
  auto first = StepCalls(false);
  EXPECT_EQ(first["expire"], 1);
  EXPECT_EQ(Total(first), 18);
  int64_t ttl = std::stoll(Cli({"TTL", PairGuard(2).meta}));
  EXPECT_GT(ttl, agent::kMetaTtlSeconds + agent::kMetaTtlRenewSeconds - 60);
  std::string expires = Cli({"HGET", PairGuard(2).meta, "expires_at"});
  ASSERT_FALSE(expires.empty());
  EXPECT_NEAR(std::stod(expires), static_cast<double>(std::time(nullptr) + ttl), 2) << "the TTL's end";
}

}  // namespace
}  // namespace panoptes::testing
