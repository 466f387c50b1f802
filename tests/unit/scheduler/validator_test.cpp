#include "scheduler/validator.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "config/plugin_file.h"

namespace panoptes::scheduler {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Plugin files whose module text tells the test helper's fake check what to do (see
// validator_test_helper.cpp): OK, FAIL, CRASH, EXIT, HANG.
class PluginDir {
 public:
  PluginDir() {
    char tmpl[] = "/tmp/panoptes-validator-XXXXXX";
    root_ = mkdtemp(tmpl);
  }
  ~PluginDir() { fs::remove_all(root_); }
  PluginInfo Add(const std::string& name, const std::string& behaviour) {
    std::ofstream(root_ + "/" + name + ".py") << behaviour;
    std::ofstream(root_ + "/" + name + ".panoptes-plugin")
        << "[Core]\nName = " << name << "\nModule = " << name << "\n[Documentation]\nDescription = t\n"
        << "[main]\nexecute_frequency = 60\nresource_filter = resource_class = 'x'\n";
    auto info = config::LoadPluginFile(root_ + "/" + name + ".panoptes-plugin", PluginKind::kPolling);
    EXPECT_TRUE(info.ok()) << info.status().ToString();
    return *info;
  }
  std::string Path(const std::string& relative) const { return root_ + "/" + relative; }

 private:
  std::string root_;
};

ValidatorOptions TestOptions(std::vector<std::string> hook_args = {}) {
  ValidatorOptions options;
  options.program = PANOPTES_VALIDATOR_TEST_HELPER;
  options.hook_args = std::move(hook_args);
  options.timeout = 1s;
  return options;
}

std::unique_ptr<CodeValidator> StartValidator(ValidatorOptions options = TestOptions()) {
  auto v = CodeValidator::Start(std::move(options));
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  return v.ok() ? std::move(*v) : nullptr;
}

// Polls `predicate` every 5 ms until it holds or `timeout` passes.
bool PollUntil(const std::function<bool()>& predicate, std::chrono::milliseconds timeout) {
  for (auto end = Clock::now() + timeout; Clock::now() < end; std::this_thread::sleep_for(5ms)) {
    if (predicate()) return true;
  }
  return predicate();
}

// True once `pid` has ended (a zombie waiting for its parent's waitpid, or gone).
bool Ended(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return true;
  size_t paren = line.rfind(')');
  return paren == std::string::npos || line.substr(paren + 2, 1) == "Z";
}

TEST(Unit, ValidatorReportsEachPluginAndIsolatesCrashersAndHangers) {
  PluginDir dir;
  std::vector<PluginInfo> plugins = {dir.Add("a", "OK"),   dir.Add("b", "CRASH"), dir.Add("c", "OK"),
                                     dir.Add("d", "FAIL"), dir.Add("e", "HANG"),  dir.Add("f", "EXIT"),
                                     dir.Add("g", "OK")};
  auto validator = StartValidator();
  ASSERT_NE(validator, nullptr);
  auto start = Clock::now();
  auto results = validator->Validate(plugins);
  ASSERT_EQ(results.size(), plugins.size());
  EXPECT_TRUE(results[0].ok());
  EXPECT_NE(results[1].message().find("crashed"), std::string::npos) << results[1].message();
  EXPECT_NE(results[1].message().find("signal 11"), std::string::npos) << results[1].message();
  EXPECT_TRUE(results[2].ok());
  EXPECT_EQ(results[3].message(), "SyntaxError at line 3");
  EXPECT_NE(results[4].message().find("did not finish within 1 s"), std::string::npos)
      << results[4].message();
  EXPECT_NE(results[5].message().find("exit code 3"), std::string::npos) << results[5].message();
  EXPECT_TRUE(results[6].ok());
  EXPECT_LT(Clock::now() - start, 5s);
  EXPECT_EQ(validator->restarts(), 0u) << "crashing import children must not cost the helper";
}

TEST(Unit, ValidatorCachesByFileAndMtimes) {
  PluginDir dir;
  std::vector<PluginInfo> plugins = {dir.Add("a", "OK"), dir.Add("b", "FAIL")};
  auto validator = StartValidator();
  ASSERT_NE(validator, nullptr);
  auto first = validator->Validate(plugins);
  EXPECT_EQ(validator->imports(), 2u);
  auto second = validator->Validate(plugins);
  EXPECT_EQ(validator->imports(), 2u) << "an unchanged plugin was imported again";
  EXPECT_TRUE(second[0].ok());
  EXPECT_EQ(second[1].message(), first[1].message());
  plugins[1].module_mtime_ns += 1;
  (void)validator->Validate(plugins);
  EXPECT_EQ(validator->imports(), 3u) << "a changed module was not imported again";
}

TEST(Unit, ValidatorInitFailureFailsTheBatchWithItsReason) {
  PluginDir dir;
  auto validator = StartValidator(TestOptions({"init-fails"}));
  ASSERT_NE(validator, nullptr);
  auto results = validator->Validate({dir.Add("a", "OK"), dir.Add("b", "OK")});
  for (const Status& st : results) EXPECT_EQ(st.message(), "no interpreter");
}

TEST(Unit, ValidatorStartFailsNamingHowTheHelperEnded) {
  ValidatorOptions options = TestOptions();
  options.program = "/nonexistent/panoptes-scheduler";
  auto v = CodeValidator::Start(options);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), StatusCode::kIOError);
  EXPECT_NE(v.status().message().find("exit code 127"), std::string::npos) << v.status().message();
}

// The regression: a helper killed by an operator or the OOM killer was never replaced, so every
// later validation failed until the scheduler restarted.
TEST(Unit, ValidatorReplacesAHelperKilledWithSigkillAndValidatesTheNextPlugins) {
  PluginDir dir;
  auto validator = StartValidator();
  ASSERT_NE(validator, nullptr);
  ASSERT_TRUE(validator->Validate({dir.Add("a", "OK")})[0].ok());
  pid_t old_helper = validator->helper_pid();
  ASSERT_GT(old_helper, 0);
  ASSERT_EQ(kill(old_helper, SIGKILL), 0);

  auto start = Clock::now();
  auto results = validator->Validate({dir.Add("new_good", "OK"), dir.Add("new_broken", "FAIL")});
  EXPECT_LT(Clock::now() - start, 5s) << "replacing the helper took too long";
  ASSERT_EQ(results.size(), 2u);
  EXPECT_TRUE(results[0].ok()) << results[0].ToString();
  EXPECT_EQ(results[1].message(), "SyntaxError at line 3") << "a broken plugin still fails with its reason";
  EXPECT_EQ(validator->restarts(), 1u);
  EXPECT_GT(validator->helper_pid(), 0);
  EXPECT_NE(validator->helper_pid(), old_helper);
}

TEST(Unit, ValidatorReplacesADeadHelperAtTheNextCallEvenWhenEverythingIsCached) {
  PluginDir dir;
  std::vector<PluginInfo> plugins = {dir.Add("a", "OK"), dir.Add("b", "FAIL")};
  auto validator = StartValidator();
  ASSERT_NE(validator, nullptr);
  (void)validator->Validate(plugins);
  pid_t old_helper = validator->helper_pid();
  ASSERT_EQ(kill(old_helper, SIGKILL), 0);
  ASSERT_TRUE(PollUntil([&] { return Ended(old_helper); }, 5s)) << "the killed helper did not end";

  auto results = validator->Validate(plugins);
  EXPECT_TRUE(results[0].ok());
  EXPECT_EQ(results[1].message(), "SyntaxError at line 3");
  EXPECT_EQ(validator->imports(), 2u) << "cached plugins were imported again";
  EXPECT_EQ(validator->restarts(), 1u) << "the dead helper was not replaced";
  EXPECT_NE(validator->helper_pid(), old_helper);
  EXPECT_TRUE(PollUntil([&] { return !fs::exists("/proc/" + std::to_string(old_helper)); }, 5s))
      << "the dead helper was not reaped";
}

TEST(Unit, ValidatorGivesABatchWhoseHelperWasKilledMidwayToANewHelper) {
  PluginDir dir;
  std::vector<PluginInfo> plugins = {dir.Add("a", "OK"), dir.Add("hang", "HANG"), dir.Add("c", "FAIL")};
  auto validator = StartValidator();
  ASSERT_NE(validator, nullptr);
  std::vector<Status> results;
  std::thread validating([&] { results = validator->Validate(plugins); });
  bool importing = PollUntil([&] { return fs::exists(dir.Path("hang.py.started")); }, 10s);
  if (importing) {
    EXPECT_EQ(kill(validator->helper_pid(), SIGKILL), 0);
  }
  validating.join();
  ASSERT_TRUE(importing) << "the hanging import never started";
  ASSERT_EQ(results.size(), 3u);
  EXPECT_TRUE(results[0].ok()) << results[0].ToString();
  EXPECT_NE(results[1].message().find("did not finish within 1 s"), std::string::npos)
      << "the unanswered plugin was not retried on the new helper: " << results[1].ToString();
  EXPECT_EQ(results[2].message(), "SyntaxError at line 3");
  EXPECT_EQ(validator->restarts(), 1u);
}

TEST(Unit, ValidatorBacksOffWhileNoHelperCanStartAndKeepsServingCachedResults) {
  PluginDir dir;
  std::string refuse = dir.Path("refuse");
  ValidatorOptions options = TestOptions({"refuse-if=" + refuse});
  options.restart_backoff = 100ms;
  options.max_restart_backoff = 400ms;
  auto validator = StartValidator(options);
  ASSERT_NE(validator, nullptr);
  std::vector<PluginInfo> known = {dir.Add("a", "OK"), dir.Add("b", "FAIL")};
  (void)validator->Validate(known);
  std::ofstream(refuse) << "x";
  ASSERT_EQ(kill(validator->helper_pid(), SIGKILL), 0);

  std::vector<PluginInfo> plugins = known;
  plugins.push_back(dir.Add("new_good", "OK"));
  std::vector<Status> results;
  for (int i = 0; i < 50; ++i) results = validator->Validate(plugins);
  EXPECT_LE(validator->restarts(), 3u) << "no backoff: a helper start per call";
  EXPECT_EQ(validator->helper_pid(), -1);
  EXPECT_TRUE(results[0].ok()) << "an unchanged plugin must keep its result: " << results[0].ToString();
  EXPECT_EQ(results[1].message(), "SyntaxError at line 3");
  EXPECT_EQ(results[2].code(), StatusCode::kUnavailable) << results[2].ToString();
  EXPECT_NE(results[2].message().find("code validator helper"), std::string::npos) << results[2].message();
  EXPECT_NE(results[2].message().find("exit code 3"), std::string::npos) << results[2].message();

  fs::remove(refuse);
  EXPECT_TRUE(PollUntil([&] { return validator->Validate(plugins)[2].ok(); }, 5s))
      << "no helper came back after the cause went away";
  EXPECT_GT(validator->helper_pid(), 0);
}

}  // namespace
}  // namespace panoptes::scheduler
