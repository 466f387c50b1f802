#pragma once
// Leadership of one kind (P:leader:<kind>): a key holding the leader's token with a lifetime,
// renewed while held, given up on stop. The holder is the only scheduler that dispatches that
// kind; the dispatch checks the token itself, so a leader that lost the key cannot push tasks even
// if it has not noticed yet. Implementations: RedisLeaderLock (below: SET NX PX, renewed with a
// compare-and-pexpire script, given up with compare-and-delete) and MemoryLeaderLock
// (memory_schedule.h); one contract suite runs against both. An instance is used by one thread.

#include <cstdint>
#include <string>

#include "panoptes/kind.h"
#include "panoptes/status.h"
#include "redis/client.h"

namespace panoptes::scheduler {

class LeaderLock {
 public:
  virtual ~LeaderLock() = default;
  // Takes the key if it is free, or renews it if this token already holds it. True: leader now.
  virtual Result<bool> Acquire() = 0;
  // Extends the key's lifetime if this token holds it. False: lost (someone else holds it or it
  // expired).
  virtual Result<bool> Renew() = 0;
  // Deletes the key if this token holds it (stop: a standby takes over at once).
  virtual Status Release() = 0;

  virtual const std::string& token() const = 0;
  virtual int ttl_ms() const = 0;
};

class RedisLeaderLock : public LeaderLock {
 public:
  // `client` must outlive the lock. `token` identifies this scheduler (host, pid, random).
  RedisLeaderLock(redis::Client& client, const std::string& key_prefix, PluginKind kind, int ttl_ms,
                  std::string token);

  Result<bool> Acquire() override;
  Result<bool> Renew() override;
  Status Release() override;
  const std::string& token() const override { return token_; }
  int ttl_ms() const override { return ttl_ms_; }
  const std::string& key() const { return key_; }

 private:
  redis::Client& client_;
  std::string key_;
  int ttl_ms_;
  std::string token_;
};

// A token unique to this process and call: "<hostname>:<pid>:<random hex>".
std::string MakeLeaderToken();

}  // namespace panoptes::scheduler
