// bench_task_parse: cost of one model::ParseTask call, after warm-up, on distinct task messages
// built as bench/agent_driver queues them (model::SerializeTask of bench::BenchTask), without and
// with resource metadata; path=public is model::ParseTask, path=slow its nlohmann path alone (what
// ParseTask was before the fast path). Prints one line per run and a summary line per case:
//   task_parse case=<c> path=<p> run=<i> calls=<n> per_call_us=<x>
//   task_parse case=<c> path=<p> bytes=<task size> median_us=<m> min_us=<min> max_us=<max>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "model/json.h"
#include "model/json_parse_internal.h"
#include "support/bench_support.h"

namespace {

using panoptes::Result;
using panoptes::Task;
namespace bench = panoptes::bench;
namespace model = panoptes::model;

using ParseFn = std::function<Result<Task>(std::string_view)>;

// `count` distinct tasks; `metadata` entries in each resource's metadata (a discovery plugin's).
std::vector<std::string> Tasks(int count, int metadata) {
  std::vector<std::string> tasks;
  const double now = 1700000000.123;
  for (int i = 0; i < count; ++i) {
    panoptes::Resource r = bench::BenchResource("dc1", "bench", i);
    if (metadata > 0) r.metadata["_resource_ttl"] = "604800";
    for (int m = 1; m < metadata; ++m) r.metadata["attr_" + std::to_string(m)] = "value-" + std::to_string(i);
    tasks.push_back(model::SerializeTask(bench::BenchTask("bench_polling", r, now + i, 10)));
  }
  return tasks;
}

// Median per-call microseconds over `runs` runs of `calls` calls; prints each run.
void Measure(const std::string& label, const std::vector<std::string>& tasks, const ParseFn& parse, int runs,
             int calls) {
  size_t sink = 0;
  for (int i = 0; i < calls / 10; ++i) sink += parse(tasks[static_cast<size_t>(i) % tasks.size()])->id.size();
  std::vector<double> per_call_us;
  for (int run = 0; run < runs; ++run) {
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < calls; ++i) {
      auto task = parse(tasks[static_cast<size_t>(i) % tasks.size()]);
      if (!task.ok()) {
        std::fprintf(stderr, "bench_task_parse: %s\n", task.status().ToString().c_str());
        std::exit(1);
      }
      sink += task->id.size();
    }
    std::chrono::duration<double, std::micro> took = std::chrono::steady_clock::now() - start;
    per_call_us.push_back(took.count() / calls);
    std::printf("task_parse %s run=%d calls=%d per_call_us=%.3f\n", label.c_str(), run, calls,
                per_call_us.back());
  }
  std::sort(per_call_us.begin(), per_call_us.end());
  std::printf("task_parse %s bytes=%zu median_us=%.3f min_us=%.3f max_us=%.3f sink=%zu\n", label.c_str(),
              tasks.front().size(), per_call_us[per_call_us.size() / 2], per_call_us.front(),
              per_call_us.back(), sink);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  bench::Options options(argc, argv, 1);
  const int runs = static_cast<int>(options.Int("runs", 7));
  const int calls = static_cast<int>(options.Int("calls", 200000));
  const std::vector<std::pair<std::string, ParseFn>> paths = {
      {"public", [](std::string_view text) { return model::ParseTask(text); }},
      {"slow", [](std::string_view text) { return model::internal::ParseTaskSlow(text); }},
  };
  for (int metadata : {0, 4}) {
    const std::vector<std::string> tasks = Tasks(1000, metadata);
    for (const auto& [path, parse] : paths) {
      Measure("case=metadata" + std::to_string(metadata) + " path=" + path, tasks, parse, runs, calls);
    }
  }
  return 0;
}
