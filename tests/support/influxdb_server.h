#pragma once
// Test support: a real InfluxDB 1.x server (Debian's influxd) on free loopback ports with its own
// meta, data and WAL directories, started and stopped by the test. Its data survives Stop()/Start()
// (same directories and ports), so a test can take the database away and bring it back.
// Not thread-safe; one fixture per test.

#include <sys/types.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "panoptes/site_config.h"
#include "support/redis_server.h"

namespace panoptes::testing {

class InfluxServer {
 public:
  InfluxServer();
  ~InfluxServer();
  InfluxServer(const InfluxServer&) = delete;
  InfluxServer& operator=(const InfluxServer&) = delete;

  // Starts influxd and waits (at most 30 s) until GET /ping answers 204 from our own process.
  // ADD_FAILURE naming the log file and false otherwise.
  bool Start();
  void Stop();  // SIGTERM and wait
  void Kill();  // SIGKILL and wait
  bool running() const { return pid_ > 0; }
  int http_port() const { return http_port_; }
  HttpUrl Url() const { return HttpUrl{"127.0.0.1", http_port_, ""}; }

  // POST /query (InfluxQL) with epoch=s; the parsed JSON answer, or null on any failure.
  nlohmann::json Query(const std::string& database, const std::string& q) const;
  // The rows of the first series of a SELECT as {column: value} objects (empty when none).
  std::vector<nlohmann::json> Rows(const std::string& database, const std::string& q) const;
  // SELECT count(*)-like helper: the number of points of `measurement` (0 when none or on failure).
  int64_t CountPoints(const std::string& database, const std::string& measurement) const;

 private:
  TempDir dir_;
  int rpc_port_;
  int http_port_;
  pid_t pid_ = -1;
  std::string config_path_;
};

}  // namespace panoptes::testing
