// bench_python_call: cost of one plugin call through the embedded host, after warm-up. The plugin
// is bench/plugins/bench_polling.py (one group, three gauges, one dimension). Two measurements:
// - python_call: PluginHost::Run (context, run(), result conversion to the model) on the same
//   resource every call, plus model::SerializeMetricsGroup of each group;
// - python_run_metrics: PluginHost::Run alone (context, run(), conversion) as an agent worker calls
//   it: every call another resource (cycling through --resources distinct ones, each with the
//   metadata a discovered resource carries), task id and signature.
// Prints one line per run and a summary line per measurement:
//   python_call run=<i> calls=<n> per_call_us=<x>
//   python_call_median_us=<median> min_us=<min> max_us=<max> runs=<r> calls=<n>
//   python_run_metrics run=<i> calls=<n> per_call_us=<x>
//   python_run_metrics_median_us=<median> min_us=<min> max_us=<max> runs=<r> calls=<n>
// Options: --runs N --calls N --warmup N --plugin PY --resources N --mode all|call|run_metrics.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "model/json.h"
#include "python/host.h"

namespace {

using panoptes::PluginInfo;
using panoptes::PluginKind;
using panoptes::PollingResult;
using panoptes::Resource;
namespace python = panoptes::python;

struct Options {
  int runs = 7;
  int calls = 20000;
  int warmup = 2000;
  int resources = 16;
  std::string mode = "all";
  std::string plugin = std::string(PANOPTES_SOURCE_DIR) + "/bench/plugins/bench_polling.py";
};

Options ParseOptions(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--runs") o.runs = std::atoi(argv[i + 1]);
    if (flag == "--calls") o.calls = std::atoi(argv[i + 1]);
    if (flag == "--warmup") o.warmup = std::atoi(argv[i + 1]);
    if (flag == "--resources") o.resources = std::max(1, std::atoi(argv[i + 1]));
    if (flag == "--mode") o.mode = argv[i + 1];
    if (flag == "--plugin") o.plugin = argv[i + 1];
  }
  return o;
}

// One call; returns a figure of the result (so that the work cannot be optimised away), -1 on error.
long Call(python::PluginHost& host, const PluginInfo& info, const python::RunInput& input, bool serialize) {
  python::RunOutcome outcome = host.Run(info, input);
  if (outcome.status != python::RunStatus::kOk) {
    std::fprintf(stderr, "bench_python_call: run failed: %s\n", outcome.error.c_str());
    return -1;
  }
  long bytes = 0;
  for (const auto& g : std::get<PollingResult>(outcome.result).groups) {
    bytes += serialize ? static_cast<long>(panoptes::model::SerializeMetricsGroup(g).size())
                       : static_cast<long>(g.metrics.size() + g.resource.id.size());
  }
  return bytes;
}

// Warm-up, then `runs` timed runs of `calls` calls of `call(i)`; prints the lines described above.
bool Measure(const char* name, const Options& options, const std::function<long(int)>& call) {
  for (int i = 0; i < options.warmup; ++i) {
    if (call(i) < 0) return false;
  }
  std::vector<double> per_call_us;
  long sink = 0;
  for (int run = 0; run < options.runs; ++run) {
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < options.calls; ++i) sink += call(i);
    std::chrono::duration<double, std::micro> took = std::chrono::steady_clock::now() - start;
    per_call_us.push_back(took.count() / options.calls);
    std::printf("%s run=%d calls=%d per_call_us=%.2f\n", name, run, options.calls, per_call_us.back());
  }
  std::sort(per_call_us.begin(), per_call_us.end());
  std::printf("%s_median_us=%.2f min_us=%.2f max_us=%.2f runs=%d calls=%d bytes=%ld\n", name,
              per_call_us[per_call_us.size() / 2], per_call_us.front(), per_call_us.back(), options.runs,
              options.calls, sink);
  std::fflush(stdout);
  return true;
}

// The inputs of an agent's tasks: distinct resources as a discovery plugin stored them.
std::vector<python::RunInput> AgentInputs(int count) {
  std::vector<python::RunInput> inputs(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    std::string id = "bench-" + std::to_string(i);
    python::RunInput& in = inputs[static_cast<size_t>(i)];
    in.resource = Resource{"dc1",
                           "bench",
                           "bench",
                           "bench",
                           id,
                           "127.0.0.1",
                           "bench_discovery",
                           1700000000.0 + i,
                           {{"_resource_ttl", "604800"}}};
    in.sites = {"dc1"};
    in.signature = "bench_polling|" + id;
    in.task_id = id + "@1700000000000";
  }
  return inputs;
}

}  // namespace

int main(int argc, char** argv) {
  Options options = ParseOptions(argc, argv);
  auto interpreter = python::Interpreter::Start();
  if (!interpreter.ok()) {
    std::fprintf(stderr, "bench_python_call: %s\n", interpreter.status().ToString().c_str());
    return 1;
  }
  python::PluginHost host(**interpreter);
  PluginInfo info;
  info.kind = PluginKind::kPolling;
  info.name = info.normalized_name = "bench_polling";
  info.file = options.plugin + ".panoptes-plugin";
  info.module_path = options.plugin;
  info.execute_frequency = 60;
  bool all = options.mode == "all";
  if (all || options.mode == "call") {
    python::RunInput input;
    input.resource =
        Resource{"dc1", "system", "host", "linux", "bench-host", "bench-host", "bench", 1700000000.0, {}};
    input.sites = {"dc1"};
    input.signature = "bench";
    if (!Measure("python_call", options, [&](int) { return Call(host, info, input, true); })) return 1;
  }
  if (all || options.mode == "run_metrics") {
    std::vector<python::RunInput> inputs = AgentInputs(options.resources);
    auto call = [&](int i) {
      return Call(host, info, inputs[static_cast<size_t>(i) % inputs.size()], false);
    };
    if (!Measure("python_run_metrics", options, call)) return 1;
  }
  return 0;
}
