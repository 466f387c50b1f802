// bench_python_call: cost of one plugin call through the embedded host, after warm-up:
// PluginHost::Run (context, run(), result conversion to the model) + model::SerializeMetricsGroup
// of each group. The plugin is bench/plugins/bench_polling.py (one group, three gauges, one
// dimension). Prints one line per run and a final summary line:
//   python_call run=<i> calls=<n> per_call_us=<x>
//   python_call_median_us=<median> min_us=<min> max_us=<max> runs=<r> calls=<n>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
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
  std::string plugin = std::string(PANOPTES_SOURCE_DIR) + "/bench/plugins/bench_polling.py";
};

Options ParseOptions(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--runs") o.runs = std::atoi(argv[i + 1]);
    if (flag == "--calls") o.calls = std::atoi(argv[i + 1]);
    if (flag == "--warmup") o.warmup = std::atoi(argv[i + 1]);
    if (flag == "--plugin") o.plugin = argv[i + 1];
  }
  return o;
}

// One call; returns the bytes serialized (so that the work cannot be optimised away), -1 on error.
long Call(python::PluginHost& host, const PluginInfo& info, const python::RunInput& input) {
  python::RunOutcome outcome = host.Run(info, input);
  if (outcome.status != python::RunStatus::kOk) {
    std::fprintf(stderr, "bench_python_call: run failed: %s\n", outcome.error.c_str());
    return -1;
  }
  long bytes = 0;
  for (const auto& g : std::get<PollingResult>(outcome.result).groups) {
    bytes += static_cast<long>(panoptes::model::SerializeMetricsGroup(g).size());
  }
  return bytes;
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
  python::RunInput input;
  input.resource =
      Resource{"dc1", "system", "host", "linux", "bench-host", "bench-host", "bench", 1700000000.0, {}};
  input.sites = {"dc1"};
  input.signature = "bench";
  for (int i = 0; i < options.warmup; ++i) {
    if (Call(host, info, input) < 0) return 1;
  }
  std::vector<double> per_call_us;
  long sink = 0;
  for (int run = 0; run < options.runs; ++run) {
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < options.calls; ++i) sink += Call(host, info, input);
    std::chrono::duration<double, std::micro> took = std::chrono::steady_clock::now() - start;
    per_call_us.push_back(took.count() / options.calls);
    std::printf("python_call run=%d calls=%d per_call_us=%.2f\n", run, options.calls, per_call_us.back());
  }
  std::vector<double> sorted = per_call_us;
  std::sort(sorted.begin(), sorted.end());
  std::printf("python_call_median_us=%.2f min_us=%.2f max_us=%.2f runs=%d calls=%d bytes=%ld\n",
              sorted[sorted.size() / 2], sorted.front(), sorted.back(), options.runs, options.calls, sink);
  return 0;
}
