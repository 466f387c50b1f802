#include "http/metrics.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace panoptes::http {
namespace {

std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<int64_t>(v));
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);  // shortest round-trip text
  return ec == std::errc() ? std::string(buf, end) : "NaN";
}

const char* TypeName(int t) {
  switch (t) {
    case 0: return "counter";
    case 1: return "gauge";
    default: return "histogram";
  }
}

void EscapeInto(std::string& out, const std::string& s, bool quote_too) {
  for (char c : s) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (quote_too && c == '"')
      out += "\\\"";
    else
      out += c;
  }
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), buckets_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0);
}

void Histogram::Observe(double v) {
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

void Histogram::AddCounts(const std::vector<uint64_t>& per_bucket, double sum) {
  uint64_t total = 0;
  for (size_t i = 0; i < per_bucket.size() && i <= bounds_.size(); ++i) {
    buckets_[i].fetch_add(per_bucket[i], std::memory_order_relaxed);
    total += per_bucket[i];
  }
  count_.fetch_add(total, std::memory_order_relaxed);
  sum_.fetch_add(sum, std::memory_order_relaxed);
}

uint64_t Histogram::CumulativeCount(size_t i) const {
  uint64_t total = 0;
  for (size_t b = 0; b <= i && b <= bounds_.size(); ++b) total += buckets_[b].load(std::memory_order_relaxed);
  return total;
}

std::vector<double> DurationBuckets() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600};
}

std::string FormatLabels(const Labels& labels, const std::string& extra) {
  if (labels.empty() && extra.empty()) return "";
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out += ',';
    first = false;
    out += k + "=\"";
    EscapeInto(out, v, true);
    out += '"';
  }
  if (!extra.empty()) {
    if (!first) out += ',';
    out += extra;
  }
  out += '}';
  return out;
}

Registry::Series& Registry::FindOrAdd(const std::string& name, const std::string& help, Type type,
                                      const Labels& labels) {
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, inserted] = families_.try_emplace(name, Family{type, help, {}});
  if (!inserted && it->second.type != type) {
    throw std::logic_error("metric " + name + " registered twice with different types");
  }
  for (auto& s : it->second.series) {
    if (s.labels == labels) return s;
  }
  Series& s = it->second.series.emplace_back();
  s.labels = labels;
  return s;
}

Counter& Registry::AddCounter(const std::string& name, const std::string& help, const Labels& labels) {
  Series& s = FindOrAdd(name, help, Type::kCounter, labels);
  if (!s.counter) s.counter = std::make_unique<Counter>();
  return *s.counter;
}

Gauge& Registry::AddGauge(const std::string& name, const std::string& help, const Labels& labels) {
  Series& s = FindOrAdd(name, help, Type::kGauge, labels);
  if (!s.gauge) s.gauge = std::make_unique<Gauge>();
  return *s.gauge;
}

Histogram& Registry::AddHistogram(const std::string& name, const std::string& help,
                                  std::vector<double> bounds, const Labels& labels) {
  Series& s = FindOrAdd(name, help, Type::kHistogram, labels);
  if (!s.histogram) s.histogram = std::make_unique<Histogram>(std::move(bounds));
  return *s.histogram;
}

std::string Registry::Render() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  for (const auto& [name, family] : families_) {
    out += "# HELP " + name + " ";
    EscapeInto(out, family.help, false);
    out += "\n# TYPE " + name + " " + TypeName(static_cast<int>(family.type)) + "\n";
    for (const Series& s : family.series) {
      if (s.counter) out += name + FormatLabels(s.labels) + " " + FormatValue(s.counter->value()) + "\n";
      if (s.gauge) out += name + FormatLabels(s.labels) + " " + FormatValue(s.gauge->value()) + "\n";
      if (!s.histogram) continue;
      const Histogram& h = *s.histogram;
      for (size_t i = 0; i <= h.bounds().size(); ++i) {
        std::string le = i < h.bounds().size() ? FormatValue(h.bounds()[i]) : "+Inf";
        out += name + "_bucket" + FormatLabels(s.labels, "le=\"" + le + "\"") + " " +
               std::to_string(h.CumulativeCount(i)) + "\n";
      }
      out += name + "_sum" + FormatLabels(s.labels) + " " + FormatValue(h.sum()) + "\n";
      out += name + "_count" + FormatLabels(s.labels) + " " + std::to_string(h.count()) + "\n";
    }
  }
  return out;
}

}  // namespace panoptes::http
