#pragma once
// panoptes-consumer's work loop (docs/outputs.md): metrics stream entries -> line-protocol points ->
// batched writes to InfluxDB, acknowledging entries only once the database accepted their points
// (or they were dead-lettered). Single-threaded: Turn() is called in a loop by the daemon; the
// metrics it updates may be rendered from another thread (http::Registry is thread-safe).

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "consumer/influx_writer.h"
#include "consumer/stream_group.h"
#include "http/metrics.h"
#include "panoptes/site_config.h"
#include "redis/client.h"

namespace panoptes::consumer {

// What /healthz and the tests read; updated by the loop thread.
struct ConsumerHealth {
  std::atomic<int64_t> db_failing_since_ms{0};     // steady ms of the first failed write in a row; 0: fine
  std::atomic<int64_t> redis_failing_since_ms{0};  // likewise for Redis
  std::atomic<int64_t> loop_heartbeat_ms{0};       // steady ms of the last turn
};

class Consumer {
 public:
  Consumer(const SiteConfig& site, std::string name, http::Registry& registry);
  ~Consumer();

  // One turn: take entries while there is room in the batch (own pending first, then claims of
  // idle entries, then new ones, blocking for at most the time left before the batch is due), and
  // write the batch when it is full or flush_interval_ms old. While writes fail it retries with a
  // capped exponential backoff and takes no new entries. Returns within about a second.
  void Turn();
  // Writes what is held (stop): tries until `deadline`; what is still unwritten stays pending in
  // the group and is claimed by another consumer (or this one, restarted under the same name).
  void Drain(std::chrono::steady_clock::time_point deadline);

  // Applies batch_size, flush_interval_ms, retry_max_backoff_ms and claim_idle_ms (SIGHUP).
  void Reconfigure(const ConsumerConfig& config);

  const ConsumerHealth& health() const { return health_; }
  const std::string& name() const { return name_; }

 private:
  struct Metrics;
  using Clock = std::chrono::steady_clock;

  void Take();
  void Accept(std::vector<Entry> entries);
  bool FlushDue() const;
  void Flush();
  void OnRedisError(const Status& st);
  void MaintainStreams();

  SiteConfig site_;
  ConsumerConfig config_;
  std::string name_;
  redis::Client client_;
  StreamGroup group_;
  InfluxWriter writer_;
  std::unique_ptr<Metrics> metrics_;
  ConsumerHealth health_;

  bool started_ = false;         // consumer groups created
  bool database_ready_ = false;  // CREATE DATABASE answered (or not needed)
  bool own_pending_done_ = false;
  std::vector<Entry> held_;  // entries whose points are in lines_, same order
  std::vector<std::string> lines_;
  std::vector<double> created_;     // each point's group creation time (latency metric)
  std::set<std::string> held_ids_;  // stream + id, so that a re-claimed entry is not held twice
  Clock::time_point batch_started_{};
  Clock::time_point next_attempt_{};
  Clock::time_point next_claim_{};
  Clock::time_point next_maintain_{};
  int failures_ = 0;
  std::map<std::string, int64_t> overflow_seen_;
};

}  // namespace panoptes::consumer
