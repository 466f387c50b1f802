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

#include <gtest/gtest.h>

#include "panoptes/site_config.h"

namespace panoptes::redis {
class Client;
}

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
// The same, for direct use in assertions: the failure message says what was awaited and how long,
// e.g. ASSERT_TRUE(WaitUntil(pred, 5s, "the task reaches the dead-letter list")).
::testing::AssertionResult WaitUntil(const std::function<bool()>& predicate,
                                     std::chrono::milliseconds timeout, const std::string& what);

struct RedisServerOptions {
  std::string password;                 // non-empty: requirepass
  std::vector<std::string> extra_args;  // e.g. {"--replicaof", "127.0.0.1", "1234"}
  int port = 0;                         // 0: a free one; taken at the first start: another one
};

// A redis-server child process on a free loopback port. Start() waits (bounded) until it answers
// PING and checks that the answering server is its own child (INFO process_id); on a port collision
// at the first start it moves to another free port. The destructor stops it (SIGTERM, then SIGKILL).
class RedisServer {
 public:
  explicit RedisServer(RedisServerOptions options = {});
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  // Starts it (on the same port when restarting). Fails the calling test (ADD_FAILURE) and returns
  // false when it does not answer within 10 s or (restart only) the port was taken meanwhile.
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
  std::vector<std::string> Argv() const;

  RedisServerOptions options_;
  TempDir dir_;
  int port_;
  pid_t pid_ = -1;
  bool started_once_ = false;
};

// A master, one replica and `sentinels` (1 or 3) redis-sentinel processes monitoring "mymaster"
// (quorum: a majority; down-after-milliseconds 1000, failover-timeout 5000). Start() returns once
// the replica is in sync with the master (AwaitReplicaInSync) and every sentinel knows the master,
// the replica (and last saw it linked to the master: else SENTINEL FAILOVER would find no good
// replica) and the other sentinels.
//
// Replication is asynchronous: a write acknowledged by the master reaches the replica a moment
// later (longer on a loaded machine), and a failover in that moment loses it, as it would in
// production. Tests want a failover that loses nothing written before it, so KillMaster and
// Failover first wait for the replica to reach the master's replication offset.
class SentinelCluster {
 public:
  explicit SentinelCluster(int sentinels = 1);
  ~SentinelCluster();
  bool Start();  // all up and ready for a failover; ADD_FAILURE and false after 15 s otherwise
  RedisServer& master() { return *master_; }
  RedisServer& replica() { return *replica_; }
  // Waits until the replica holds every write the master had acknowledged when called: its link is
  // up, no sync is in progress and its replication offset has reached the master's. False
  // (ADD_FAILURE, with both servers' INFO replication) after `timeout`.
  bool AwaitReplicaInSync(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // AwaitReplicaInSync, then SIGKILLs the master (the sentinels then promote the replica within a
  // few seconds). False (the master left running) when the replica did not catch up.
  bool KillMaster();
  // AwaitReplicaInSync, then SENTINEL FAILOVER through the first sentinel, asked again while it
  // refuses (no good replica yet, a failover under way) for up to 10 s: the replica is promoted
  // while the old master keeps running (Sentinel reconfigures it as a replica some 10 s later).
  // False (ADD_FAILURE) when the replica did not catch up or the failover was refused.
  bool Failover();
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

  bool StartSentinel(size_t i, int quorum);
  bool SentinelsReady() const;
  bool ReplicaGoodFor(redis::Client& sentinel) const;
};

}  // namespace panoptes::testing
