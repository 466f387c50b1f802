#include "consumer/consumer.h"

#include <algorithm>
#include <thread>

#include "consumer/line_protocol.h"
#include "core/logging.h"
#include "model/json.h"

namespace panoptes::consumer {
namespace {

using std::chrono::milliseconds;

std::shared_ptr<spdlog::logger> Log() {
  return core::Logger("consumer");
}

int64_t SteadyMs() {
  return std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

double WallSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Point latencies: 10 ms .. ~20 min.
std::vector<double> LatencyBuckets() {
  return {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200};
}

}  // namespace

struct Consumer::Metrics {
  struct Site {
    http::Gauge* lag_entries;
    http::Gauge* lag_seconds;
    http::Gauge* pending;
    http::Counter* overflow;
    http::Counter* read;
  };
  explicit Metrics(http::Registry& r, const std::vector<std::string>& sites) {
    const std::string w = "panoptes_consumer_writes_total";
    const std::string wh = "Write requests to the database by result";
    writes_ok = &r.AddCounter(w, wh, {{"result", "ok"}});
    writes_rejected = &r.AddCounter(w, wh, {{"result", "rejected"}});
    writes_failed = &r.AddCounter(w, wh, {{"result", "failed"}});
    points = &r.AddCounter("panoptes_consumer_points_written_total", "Points the database accepted");
    const std::string d = "panoptes_consumer_deadletters_total";
    const std::string dh = "Entries moved to the consumer's dead-letter list by reason";
    dead_invalid = &r.AddCounter(d, dh, {{"reason", "invalid"}});
    dead_rejected = &r.AddCounter(d, dh, {{"reason", "rejected"}});
    lost =
        &r.AddCounter("panoptes_consumer_entries_lost_total",
                      "Pending entries that were trimmed from the stream before anybody acknowledged them");
    claimed = &r.AddCounter("panoptes_consumer_entries_claimed_total",
                            "Entries claimed from consumers that left them pending for claim_idle_ms");
    redis_errors = &r.AddCounter("panoptes_consumer_redis_errors_total", "Failed Redis calls");
    held = &r.AddGauge("panoptes_consumer_batch_points", "Points held for the next write");
    write_seconds = &r.AddHistogram("panoptes_consumer_write_duration_seconds",
                                    "Duration of a batch delivery", http::DurationBuckets());
    latency = &r.AddHistogram("panoptes_consumer_point_latency_seconds",
                              "From the metrics group's creation to the database accepting its point",
                              LatencyBuckets());
    for (const std::string& s : sites) {
      http::Labels l{{"site", s}};
      per_site[s] = {
          &r.AddGauge("panoptes_consumer_lag_entries", "Entries of the stream this group has not read yet",
                      l),
          &r.AddGauge("panoptes_consumer_lag_seconds", "Age of the oldest entry not yet acknowledged", l),
          &r.AddGauge("panoptes_consumer_pending_entries", "Entries read by the group, not yet acknowledged",
                      l),
          &r.AddCounter("panoptes_consumer_stream_overflow_total",
                        "Entries the agent's metrics_maxlen cap trimmed while a consumer group existed", l),
          &r.AddCounter("panoptes_consumer_entries_read_total", "Stream entries taken (read or claimed)", l)};
    }
  }
  http::Counter *writes_ok, *writes_rejected, *writes_failed, *points, *dead_invalid, *dead_rejected, *lost,
      *claimed, *redis_errors;
  http::Gauge* held;
  http::Histogram *write_seconds, *latency;
  std::map<std::string, Site> per_site;
};

Consumer::Consumer(const SiteConfig& site, std::string name, http::Registry& registry)
    : site_(site),
      config_(site.consumer),
      name_(std::move(name)),
      client_(site.redis, "consumer"),
      group_(client_, site.redis.key_prefix, site.main.sites, config_.group, name_),
      writer_(config_),
      metrics_(std::make_unique<Metrics>(registry, site.main.sites)) {}

Consumer::~Consumer() = default;

void Consumer::OnRedisError(const Status& st) {
  metrics_->redis_errors->Inc();
  int64_t zero = 0;
  if (health_.redis_failing_since_ms.compare_exchange_strong(zero, SteadyMs())) {
    Log()->error("consumer {}: {}", name_, st.ToString());
  }
  std::this_thread::sleep_for(milliseconds(100));  // the client's reconnect backoff does the rest
}

void Consumer::Turn() {
  auto now = Clock::now();
  health_.loop_heartbeat_ms.store(SteadyMs());
  if (!started_) {
    Status st = group_.Ensure();
    if (!st.ok()) return OnRedisError(st);
    health_.redis_failing_since_ms.store(0);
    started_ = true;
    Log()->info("consumer {} of group {} reading {} stream(s), writing to {}", name_, config_.group,
                site_.main.sites.size(), config_.influxdb_url.ToString());
  }
  if (failures_ > 0 && now < next_attempt_) {
    // Backing off: keep the held entries ours (a live consumer's entries are not for claiming).
    if (now >= next_claim_) {
      if (Status st = group_.Touch(held_); !st.ok()) OnRedisError(st);
      next_claim_ = now + milliseconds(config_.claim_idle_ms / 3);
    }
    std::this_thread::sleep_for(std::min<Clock::duration>(next_attempt_ - now, milliseconds(200)));
    return;
  }
  if (failures_ == 0 && held_.size() < static_cast<size_t>(config_.batch_size)) Take();
  if (FlushDue()) Flush();
  if (Clock::now() >= next_maintain_) {
    MaintainStreams();
    next_maintain_ = Clock::now() + milliseconds(1000);
  }
}

void Consumer::Take() {
  size_t room = static_cast<size_t>(config_.batch_size) - held_.size();
  auto now = Clock::now();
  Result<std::vector<Entry>> entries = std::vector<Entry>{};
  if (!own_pending_done_) {
    entries = group_.ReadOwnPending(room);
    if (entries.ok() && entries->empty()) own_pending_done_ = true;
  } else if (now >= next_claim_) {
    int64_t lost = 0;
    entries = group_.Claim(milliseconds(config_.claim_idle_ms), room, lost);
    next_claim_ = now + milliseconds(config_.claim_idle_ms / 2);
    if (lost > 0) {
      metrics_->lost->Inc(static_cast<double>(lost));
      Log()->warn("consumer {}: {} pending entries were trimmed before anybody acknowledged them", name_,
                  lost);
    }
    if (entries.ok()) metrics_->claimed->Inc(static_cast<double>(entries->size()));
    // A consumer gone for ten claim periods without pending entries will not come back.
    if (auto pruned = group_.PruneConsumers(10 * milliseconds(config_.claim_idle_ms)); !pruned.ok()) {
      Log()->debug("consumer {}: {}", name_, pruned.status().ToString());
    } else if (*pruned > 0) {
      Log()->info("consumer {}: removed {} idle consumer name(s) without pending entries", name_, *pruned);
    }
  }
  if (entries.ok() && entries->empty() && own_pending_done_) {
    auto due = held_.empty() ? milliseconds(500)
                             : std::chrono::duration_cast<milliseconds>(
                                   batch_started_ + milliseconds(config_.flush_interval_ms) - now);
    auto block = std::clamp(due, milliseconds(0),
                            std::min(milliseconds(500), milliseconds(site_.redis.io_timeout_ms / 2)));
    entries = group_.ReadNew(room, block);
  }
  if (!entries.ok()) return OnRedisError(entries.status());
  health_.redis_failing_since_ms.store(0);
  Accept(std::move(*entries));
}

void Consumer::Accept(std::vector<Entry> entries) {
  for (Entry& e : entries) {
    if (!held_ids_.insert(e.stream + " " + e.id).second) continue;
    metrics_->per_site[e.site].read->Inc();
    if (!e.data) {  // trimmed while pending: nothing left to deliver
      metrics_->lost->Inc();
      Log()->warn("consumer {}: entry {} of {} was trimmed before it was acknowledged", name_, e.id,
                  e.stream);
      held_ids_.erase(e.stream + " " + e.id);
      if (Status st = group_.Ack({e}); !st.ok()) OnRedisError(st);
      continue;
    }
    auto group = model::ParseMetricsGroup(*e.data);
    Result<std::string> line = group.ok() ? ToLineProtocol(*group) : Result<std::string>(group.status());
    if (!line.ok()) {
      held_ids_.erase(e.stream + " " + e.id);
      metrics_->dead_invalid->Inc();
      Log()->warn("consumer {}: entry {} of {} is not a valid metrics group, dead-lettered: {}", name_, e.id,
                  e.stream, line.status().message());
      if (Status st = group_.DeadLetter(e, "", "invalid: " + line.status().message()); !st.ok())
        OnRedisError(st);
      continue;
    }
    if (held_.empty()) batch_started_ = Clock::now();
    created_.push_back(group->creation_timestamp);
    lines_.push_back(std::move(*line));
    held_.push_back(std::move(e));
  }
  metrics_->held->Set(static_cast<double>(held_.size()));
}

bool Consumer::FlushDue() const {
  if (held_.empty()) return false;
  return held_.size() >= static_cast<size_t>(config_.batch_size) || failures_ > 0 ||
         Clock::now() >= batch_started_ + milliseconds(config_.flush_interval_ms);
}

void Consumer::Flush() {
  auto started = Clock::now();
  Delivery d;
  if (!database_ready_) {  // before the first write, and again after the database lost it
    Status st = writer_.EnsureDatabase();
    database_ready_ = st.ok();
    d.failure = st.message();
  }
  if (database_ready_) d = Deliver(lines_, [this](std::string_view body) { return writer_.Write(body); });
  if (!d.ok && d.failure.find("HTTP 404") != std::string::npos) database_ready_ = false;
  metrics_->write_seconds->Observe(std::chrono::duration<double>(Clock::now() - started).count());
  if (!d.ok) {
    metrics_->writes_failed->Inc();
    auto backoff = milliseconds(
        std::min<int64_t>(config_.retry_max_backoff_ms, int64_t{100} << std::min(failures_, 20)));
    if (failures_++ == 0) {
      health_.db_failing_since_ms.store(SteadyMs());
      Log()->error("consumer {}: writing {} points failed: {}; retrying with backoff up to {} ms", name_,
                   lines_.size(), d.failure, config_.retry_max_backoff_ms);
    }
    next_attempt_ = Clock::now() + backoff;
    return;
  }
  if (failures_ > 0)
    Log()->info("consumer {}: the database accepts writes again after {} failures", name_, failures_);
  failures_ = 0;
  health_.db_failing_since_ms.store(0);
  metrics_->writes_ok->Inc(d.requests - static_cast<double>(d.rejected.size()));
  metrics_->writes_rejected->Inc(static_cast<double>(d.rejected.size()));
  std::vector<bool> rejected(held_.size(), false);
  for (const Rejected& r : d.rejected) {
    rejected[r.index] = true;
    metrics_->dead_rejected->Inc();
    if (Status st = group_.DeadLetter(held_[r.index], lines_[r.index], "rejected: " + r.message); !st.ok()) {
      OnRedisError(st);
    }
  }
  if (!d.rejected.empty()) {
    Log()->warn("consumer {}: the database rejected {} of {} points, dead-lettered; first: {} ({})", name_,
                d.rejected.size(), lines_.size(), lines_[d.rejected[0].index], d.rejected[0].message);
  }
  std::vector<Entry> accepted;
  double now = WallSeconds();
  for (size_t i = 0; i < held_.size(); ++i) {
    if (rejected[i]) continue;
    metrics_->latency->Observe(std::max(0.0, now - created_[i]));
    accepted.push_back(held_[i]);
  }
  metrics_->points->Inc(static_cast<double>(accepted.size()));
  // An acknowledgement that fails leaves the entries pending: they are claimed again later and
  // written once more, which overwrites the same points.
  if (Status st = group_.Ack(accepted); !st.ok()) OnRedisError(st);
  held_.clear();
  lines_.clear();
  created_.clear();
  held_ids_.clear();
  metrics_->held->Set(0);
  if (!accepted.empty()) next_maintain_ = Clock::now();
}

void Consumer::Reconfigure(const ConsumerConfig& config) {
  config_.batch_size = config.batch_size;
  config_.flush_interval_ms = config.flush_interval_ms;
  config_.retry_max_backoff_ms = config.retry_max_backoff_ms;
  config_.claim_idle_ms = config.claim_idle_ms;
}

void Consumer::Drain(std::chrono::steady_clock::time_point deadline) {
  while (!held_.empty() && Clock::now() < deadline) {
    if (failures_ > 0 && Clock::now() < next_attempt_) {
      std::this_thread::sleep_for(std::min<Clock::duration>(next_attempt_ - Clock::now(), milliseconds(100)));
      continue;
    }
    Flush();
  }
  if (!held_.empty()) {
    Log()->warn("consumer {}: stopping with {} points unwritten; they stay pending for another consumer",
                name_, held_.size());
  }
}

void Consumer::MaintainStreams() {
  auto states = group_.Maintain();
  if (!states.ok()) return OnRedisError(states.status());
  for (const auto& [site, s] : *states) {
    Metrics::Site& m = metrics_->per_site[site];
    m.lag_entries->Set(static_cast<double>(std::max<int64_t>(s.lag, 0)));
    m.lag_seconds->Set(s.oldest_age_s);
    m.pending->Set(static_cast<double>(s.pending));
    int64_t& seen = overflow_seen_[site];
    if (s.overflow > seen) {
      if (seen > 0 || m.overflow->value() > 0 || s.overflow > 0) {
        Log()->warn(
            "site {}: the metrics stream overflowed its metrics_maxlen cap: {} entries trimmed unread so far",
            site, s.overflow);
      }
      m.overflow->Inc(static_cast<double>(s.overflow - seen));
      seen = s.overflow;
    }
  }
}

}  // namespace panoptes::consumer
