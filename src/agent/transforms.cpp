#include "agent/transforms.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

#include "core/logging.h"
#include "redis/keys.h"

namespace panoptes::agent {
namespace {

double AsDouble(const MetricValue& v) {
  return std::holds_alternative<int64_t>(v) ? static_cast<double>(std::get<int64_t>(v)) : std::get<double>(v);
}

// "<resource_id>|<group_type>|<dim>|<value>...|<metric>", dimensions sorted by name so that the key
// does not depend on the order a plugin added them in.
std::string CounterKey(const MetricsGroup& g, const std::string& metric) {
  std::vector<Dimension> dims = g.dimensions;
  std::sort(dims.begin(), dims.end(), [](const Dimension& a, const Dimension& b) { return a.name < b.name; });
  std::string key = g.resource.id + "|" + g.group_type;
  for (const Dimension& d : dims) key += "|" + d.name + "|" + d.value;
  return key + "|" + metric;
}

std::string FormatState(double value, double timestamp) {
  char buf[80];
  auto r = std::to_chars(buf, buf + 40, value);
  *r.ptr++ = '|';
  r = std::to_chars(r.ptr, buf + sizeof buf, timestamp);
  return std::string(buf, r.ptr);
}

std::optional<std::pair<double, double>> ParseState(const std::string& s) {
  auto bar = s.find('|');
  if (bar == std::string::npos) return std::nullopt;
  double v = 0, t = 0;
  auto a = std::from_chars(s.data(), s.data() + bar, v);
  auto b = std::from_chars(s.data() + bar + 1, s.data() + s.size(), t);
  if (a.ec != std::errc() || b.ec != std::errc()) return std::nullopt;
  return std::make_pair(v, t);
}

bool HasGauge(const MetricsGroup& g, const std::string& name) {
  return std::any_of(g.metrics.begin(), g.metrics.end(),
                     [&](const Metric& m) { return m.type == MetricType::kGauge && m.name == name; });
}

}  // namespace

std::vector<RateInput> PlanRates(const std::string& prefix, const std::vector<TransformSpec>& transforms,
                                 const std::vector<MetricsGroup>& groups) {
  std::vector<RateInput> inputs;
  for (size_t gi = 0; gi < groups.size(); ++gi) {
    const MetricsGroup& g = groups[gi];
    std::set<std::string> named;
    for (const TransformSpec& t : transforms) {
      if (t.type == "rate" && t.group_type == g.group_type) named.insert(t.metrics.begin(), t.metrics.end());
    }
    if (named.empty()) continue;
    for (size_t mi = 0; mi < g.metrics.size(); ++mi) {
      const Metric& m = g.metrics[mi];
      if (m.type != MetricType::kCounter || !named.count(m.name)) continue;
      inputs.push_back({gi, mi, redis::keys::RateState(prefix, CounterKey(g, m.name))});
    }
  }
  return inputs;
}

RateStats ApplyRates(std::vector<MetricsGroup>& groups, const std::vector<RateInput>& inputs,
                     const std::vector<std::optional<std::string>>& previous,
                     std::vector<OutputWrite>& writes) {
  RateStats stats;
  std::vector<std::pair<size_t, Metric>> gauges;  // added after the loop: metric indexes stay valid
  for (size_t i = 0; i < inputs.size(); ++i) {
    const MetricsGroup& g = groups[inputs[i].group];
    const Metric& counter = g.metrics[inputs[i].metric];
    double value = AsDouble(counter.value);
    int interval = std::max(g.interval, 1);
    writes.push_back({inputs[i].key, false, kRateStateTtlMultiple * interval,
                      FormatState(value, counter.creation_timestamp)});
    auto prior = i < previous.size() && previous[i] ? ParseState(*previous[i]) : std::nullopt;
    if (!prior) {
      ++stats.no_previous;
      continue;
    }
    double dt = counter.creation_timestamp - prior->second;
    double diff = value - prior->first;
    if (dt <= 0) {
      ++stats.bad_time;
    } else if (dt > kRateStateTtlMultiple * interval) {
      ++stats.gap;
    } else if (diff < 0) {
      ++stats.decreased;
    } else if (!HasGauge(g, counter.name)) {
      ++stats.computed;
      auto rate = static_cast<int64_t>(std::trunc(diff / dt));
      gauges.emplace_back(inputs[i].group,
                          Metric{counter.name, rate, MetricType::kGauge, counter.creation_timestamp});
    }
  }
  for (auto& [gi, m] : gauges) groups[gi].metrics.push_back(std::move(m));
  return stats;
}

StateReader RedisStateReader(redis::Client& client) {
  return [&client](const std::vector<std::string>& keys) -> Result<std::vector<std::optional<std::string>>> {
    redis::Args mget = {"MGET"};
    mget.insert(mget.end(), keys.begin(), keys.end());
    auto reply = client.Command(mget);
    if (!reply.ok()) return reply.status();
    std::vector<std::optional<std::string>> out(keys.size());
    for (size_t i = 0; i < keys.size() && i < reply->elements.size(); ++i) {
      if (!reply->elements[i].IsNil()) out[i] = reply->elements[i].str;
    }
    return out;
  };
}

RateStats ApplyTransforms(const StateReader& read, const std::string& prefix, const PluginInfo& info,
                          PollingResult& result, std::vector<OutputWrite>& writes) {
  std::vector<RateInput> inputs = PlanRates(prefix, info.transforms, result.groups);
  if (inputs.empty()) return {};
  std::vector<std::string> keys;
  for (const RateInput& in : inputs) keys.push_back(in.key);
  std::vector<std::optional<std::string>> previous(inputs.size());
  if (read) {
    auto states = read(keys);
    if (states.ok()) {
      previous = std::move(*states);
    } else {
      core::Logger("agent")->warn("plugin {}: reading the counter states of its [transforms]: {}", info.name,
                                  states.status().ToString());
    }
  }
  return ApplyRates(result.groups, inputs, previous, writes);
}

void CountRates(BoardSlot& slot, const RateStats& stats) {
  const int64_t counts[] = {stats.computed, stats.no_previous, stats.bad_time, stats.gap, stats.decreased};
  static_assert(std::size(counts) == kRateOutcomes.size());
  for (size_t i = 0; i < kRateOutcomes.size(); ++i) {
    if (counts[i] > 0) slot.rates[i].fetch_add(static_cast<uint64_t>(counts[i]), std::memory_order_relaxed);
  }
}

}  // namespace panoptes::agent
