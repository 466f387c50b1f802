#pragma once
// A polling plugin's [transforms] (docs/plugin-files.md): counters turned into rates, as the
// original Panoptes does, with every transform of a group type applied. For each named counter of
// a group of that type, the published group gains a gauge of the same metric name whose value is
// int((counter - previous counter) / (time - previous time)); the previous sample is kept in Redis
// (keys::RateState, "<value>|<timestamp>", TTL 3 x the group's interval). A rate is skipped, and
// counted, when there is no previous sample, the time difference is zero or negative or longer than
// 3 x the interval, or the counter went down (reset or wrap).
//
// Two steps around one Redis read so that the worker's single finish step still writes everything:
// PlanRates lists the state keys to read (MGET), ApplyRates adds the gauges and returns the new
// states as SET EX writes of the finish step. Pure functions, thread-safe.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "agent/board.h"
#include "agent/task_queue.h"
#include "panoptes/model.h"
#include "panoptes/plugin_info.h"
#include "panoptes/status.h"
#include "redis/client.h"

namespace panoptes::agent {

inline constexpr int kRateStateTtlMultiple = 3;

struct RateInput {
  size_t group = 0;   // index into the groups
  size_t metric = 0;  // index into that group's metrics (a counter)
  std::string key;    // its state key
};

struct RateStats {
  int64_t computed = 0;
  int64_t no_previous = 0;  // first sample (or the state expired)
  int64_t bad_time = 0;     // zero or negative time difference
  int64_t gap = 0;          // longer than 3 x the interval
  int64_t decreased = 0;    // counter reset or wrap
  int64_t skipped() const { return no_previous + bad_time + gap + decreased; }
};

// The counters of `groups` named by `transforms` (each counter once, however many transforms name
// it), in group then metric order.
std::vector<RateInput> PlanRates(const std::string& prefix, const std::vector<TransformSpec>& transforms,
                                 const std::vector<MetricsGroup>& groups);

// `previous[i]`: the stored state of inputs[i] (nullopt when absent). Adds the rate gauges to
// `groups` (a gauge already present under that name is left alone and the rate skipped as the
// original does) and appends the new states to `writes`.
RateStats ApplyRates(std::vector<MetricsGroup>& groups, const std::vector<RateInput>& inputs,
                     const std::vector<std::optional<std::string>>& previous,
                     std::vector<OutputWrite>& writes);

// Reads the stored states of `keys` (nullopt where absent), in order: one MGET on Redis.
using StateReader =
    std::function<Result<std::vector<std::optional<std::string>>>(const std::vector<std::string>& keys)>;
StateReader RedisStateReader(redis::Client& client);

// The worker's hook: plans the rates of `result`, reads their states through `read` (null, or a
// failed read: every rate counts as "no previous", logged) and applies them. The new states are
// appended to `writes`.
RateStats ApplyTransforms(const StateReader& read, const std::string& prefix, const PluginInfo& info,
                          PollingResult& result, std::vector<OutputWrite>& writes);

// Adds `stats` to the slot's rate counters (kRateOutcomes order), for /metrics.
void CountRates(BoardSlot& slot, const RateStats& stats);

}  // namespace panoptes::agent
