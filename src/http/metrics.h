#pragma once
// A small Prometheus metrics registry: counters, gauges and histograms, each family with any number
// of label sets, rendered in the Prometheus text exposition format (version 0.0.4) for GET /metrics.
//
// Usage: register once at start (Add* return a reference that stays valid for the registry's
// life), then update from the hot path. Thread safety: updates are lock-free atomics and Render()
// may run on another thread (the scheduler's listener thread); registration takes a mutex.
// Registering the same name with a different type or help text is a programming error (kInternal
// in the returned Status of Check()).

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace panoptes::http {

using Labels = std::map<std::string, std::string>;

class Counter {
 public:
  void Inc(double v = 1) { value_.fetch_add(v, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Add(double v) { value_.fetch_add(v, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  // `bounds`: upper bounds of the buckets, ascending; +Inf is implicit.
  explicit Histogram(std::vector<double> bounds);
  void Observe(double v);
  // Adds observations counted elsewhere: per_bucket[i] in bucket i (not cumulative; the last
  // entry is +Inf; extra entries are ignored), and their sum.
  void AddCounts(const std::vector<uint64_t>& per_bucket, double sum);
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  double sum() const { return sum_.load(std::memory_order_relaxed); }
  const std::vector<double>& bounds() const { return bounds_; }
  // Cumulative count of observations <= bounds()[i] (i == bounds().size(): all).
  uint64_t CumulativeCount(size_t i) const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // per bucket, not cumulative; last is +Inf
  std::atomic<uint64_t> count_{0};
  std::atomic<double> sum_{0};
};

// Bucket bounds for durations in seconds: 1 ms .. ~10 min.
std::vector<double> DurationBuckets();

class Registry {
 public:
  // The metric of family `name` with `labels`, created on first call. `help` is the family's
  // # HELP line. Names should follow Prometheus conventions (panoptes_agent_tasks_total, ..._seconds).
  Counter& AddCounter(const std::string& name, const std::string& help, const Labels& labels = {});
  Gauge& AddGauge(const std::string& name, const std::string& help, const Labels& labels = {});
  Histogram& AddHistogram(const std::string& name, const std::string& help, std::vector<double> bounds,
                          const Labels& labels = {});

  // Every family, sorted by name, each label set in registration order.
  std::string Render() const;

 private:
  enum class Type { kCounter, kGauge, kHistogram };
  struct Series {
    Labels labels;
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Gauge> gauge;
    std::unique_ptr<Histogram> histogram;
  };
  struct Family {
    Type type;
    std::string help;
    std::deque<Series> series;
  };
  Series& FindOrAdd(const std::string& name, const std::string& help, Type type, const Labels& labels);

  mutable std::mutex mu_;
  std::map<std::string, Family> families_;
};

// Prometheus label set text: {a="x",b="y"} (values escaped), "" when empty. `extra` appended last.
std::string FormatLabels(const Labels& labels, const std::string& extra = "");

}  // namespace panoptes::http
