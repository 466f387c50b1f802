#pragma once
// Leadership of one kind (SPEC §5 P:leader:<kind>): SET NX PX with a random token, renewed with a
// compare-and-pexpire script, given up with compare-and-delete. The holder is the only scheduler
// that dispatches that kind; the dispatch script checks the token itself, so a leader that lost
// the key cannot push tasks even if it has not noticed yet.
// Not thread-safe (one redis::Client): one LeaderLock per thread.

#include <cstdint>
#include <string>

#include "panoptes/kind.h"
#include "panoptes/status.h"
#include "redis/client.h"

namespace panoptes::scheduler {

class LeaderLock {
 public:
  // `client` must outlive the lock. `token` identifies this scheduler (host, pid, random).
  LeaderLock(redis::Client& client, const std::string& key_prefix, PluginKind kind, int ttl_ms,
             std::string token);

  // Takes the key if it is free, or renews it if this token already holds it. True: leader now.
  Result<bool> Acquire();
  // Extends the key's lifetime if this token holds it. False: lost (someone else holds it or it
  // expired).
  Result<bool> Renew();
  // Deletes the key if this token holds it (SIGTERM: a standby takes over at once).
  Status Release();

  const std::string& token() const { return token_; }
  const std::string& key() const { return key_; }
  int ttl_ms() const { return ttl_ms_; }

 private:
  redis::Client& client_;
  std::string key_;
  int ttl_ms_;
  std::string token_;
};

// A token unique to this process and call: "<hostname>:<pid>:<random hex>".
std::string MakeLeaderToken();

}  // namespace panoptes::scheduler
