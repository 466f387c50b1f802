#pragma once
// Test support: real redis-server / redis-sentinel processes on free loopback ports, temp dirs and
// bounded waits. Every integration test that touches Redis uses these; they start only processes
// they own (fork/exec, pid kept) and stop only those. Not thread-safe; one fixture per test.

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "panoptes/site_config.h"

namespace panoptes::testing {

// A fresh directory under /tmp, removed (recursively) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  // Writes `content` to path()/relative (creating parent directories); returns the full path.
  std::string Write(const std::string& relative, const std::string& content) const;

 private:
  std::string path_;
};

// A port on 127.0.0.1 that was free a moment ago (the kernel picked it).
int FreeLoopbackPort();

// Polls `predicate` every few milliseconds until it is true or `timeout` passes. Returns true on
// success; on timeout returns false (callers: ASSERT_TRUE(WaitUntil(...)) << what).
bool WaitUntil(const std::function<bool()>& predicate, std::chrono::milliseconds timeout);

struct RedisServerOptions {
  std::string password;                 // non-empty: requirepass
  std::vector<std::string> extra_args;  // e.g. {"--replicaof", "127.0.0.1", "1234"}
};

// A redis-server child process on a free loopback port. Start() waits (bounded) until it answers
// PING. The destructor stops it (SIGTERM, then SIGKILL).
class RedisServer {
 public:
  explicit RedisServer(RedisServerOptions options = {});
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  // Starts it (on the same port when restarting). Fails the calling test (ADD_FAILURE) and returns
  // false when it does not answer within 10 s.
  bool Start();
  void Stop();  // SIGTERM and wait
  void Kill();  // SIGKILL and wait
  bool Restart() {
    Stop();
    return Start();
  }
  bool running() const { return pid_ > 0; }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }

  // A RedisConfig for this server with a key_prefix unique to the calling test (or `prefix`).
  RedisConfig Config(const std::string& prefix = "") const;
  // Runs redis-cli-like one-shot command through a fresh connection; "" on failure.
  std::string Cli(const std::vector<std::string>& argv) const;

 private:
  RedisServerOptions options_;
  TempDir dir_;
  int port_;
  pid_t pid_ = -1;
};

// A master, one replica and `sentinels` redis-sentinel processes monitoring "mymaster"
// (down-after-milliseconds 1000, failover-timeout 5000).
class SentinelCluster {
 public:
  explicit SentinelCluster(int sentinels = 1);
  ~SentinelCluster();
  bool Start();  // all up, replica linked, sentinels see the master
  RedisServer& master() { return *master_; }
  RedisServer& replica() { return *replica_; }
  // A RedisConfig that finds the master through the sentinels.
  RedisConfig Config(const std::string& prefix = "") const;
  // The port of the master as the sentinels currently report it (0 if unknown).
  int ReportedMasterPort() const;

 private:
  TempDir dir_;
  std::unique_ptr<RedisServer> master_;
  std::unique_ptr<RedisServer> replica_;
  std::vector<int> sentinel_ports_;
  std::vector<pid_t> sentinel_pids_;
};

}  // namespace panoptes::testing
