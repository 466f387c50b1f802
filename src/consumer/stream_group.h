#pragma once
// The Redis side of panoptes-consumer: the metrics streams P:metrics:<site> read through one
// consumer group (docs/outputs.md, docs/redis.md "Consumer"). Not thread-safe (one Client).
//
// Delivery contract: an entry is read (XREADGROUP), or claimed from a consumer that left it pending
// for claim_idle_ms (XAUTOCLAIM), stays in the group's pending list while the consumer holds it,
// and is acknowledged (XACK) only once it is handled: written to the database or dead-lettered.
// Maintain() then trims each stream below the oldest entry that any group still needs, so that
// nothing unacknowledged is trimmed by consumers (the agent's metrics_maxlen cap is the only other
// trim; its overflow is counted in P:metrics:<site>:overflow).

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "panoptes/status.h"
#include "redis/client.h"

namespace panoptes::consumer {

struct Entry {
  std::string stream;               // the stream key
  std::string site;                 // the site of that stream
  std::string id;                   // the entry id "<ms>-<seq>"
  std::optional<std::string> data;  // field `data`; nullopt: the entry was trimmed while pending
};

struct StreamState {
  int64_t trimmed = 0;      // entries this Maintain() trimmed
  int64_t pending = 0;      // delivered to this group, not acknowledged
  int64_t lag = 0;          // not yet delivered to this group (-1: Redis cannot tell)
  double oldest_age_s = 0;  // age of the oldest entry this group has not acknowledged (0: none)
  int64_t overflow = 0;     // P:metrics:<site>:overflow
};

class StreamGroup {
 public:
  // `consumer` is this process's name in `group`.
  StreamGroup(redis::Client& client, std::string prefix, std::vector<std::string> sites, std::string group,
              std::string consumer);

  // XGROUP CREATE <stream> <group> 0 MKSTREAM for every site (an existing group is kept): a new
  // group starts at the oldest entry still in the stream, so nothing already there is skipped.
  Status Ensure();

  // This consumer's own pending entries (left by a previous run under the same name), oldest first,
  // continuing from where the last call stopped; empty once they have all been returned.
  Result<std::vector<Entry>> ReadOwnPending(size_t count);
  // New entries (">"), blocking up to `block` when there are none.
  Result<std::vector<Entry>> ReadNew(size_t count, std::chrono::milliseconds block);
  // Entries pending on any consumer for at least `min_idle`, now owned by this one (XAUTOCLAIM).
  // `lost` counts pending entries that were trimmed before anybody acknowledged them.
  Result<std::vector<Entry>> Claim(std::chrono::milliseconds min_idle, size_t count, int64_t& lost);
  // Resets the idle time of held entries (XCLAIM ... JUSTID) so that a live consumer that is
  // retrying a write keeps them.
  Status Touch(const std::vector<Entry>& entries);
  Status Ack(const std::vector<Entry>& entries);
  // Pushes a dead-letter record and acknowledges the entry, atomically.
  Status DeadLetter(const Entry& entry, const std::string& line, const std::string& reason);

  // Removes from the group the consumers (other than this one) that hold no pending entry and have
  // been idle for `idle`: names of restarted consumers ("<host>:<pid>") would otherwise pile up.
  // Returns how many were removed.
  Result<int> PruneConsumers(std::chrono::milliseconds idle);

  // Trims each stream below the oldest entry any group still needs and reports this group's
  // state per site.
  Result<std::map<std::string, StreamState>> Maintain();

  const std::vector<std::string>& sites() const { return sites_; }

 private:
  Result<std::vector<Entry>> ParseRead(const redis::Reply& reply) const;
  // Runs `argv`; when the group is gone (NOGROUP: Redis restarted empty, stream deleted), creates
  // the groups again and retries once.
  Result<redis::Reply> Run(const redis::Args& argv, std::chrono::milliseconds block = {});

  redis::Client& client_;
  std::string prefix_;
  std::vector<std::string> sites_;
  std::vector<std::string> streams_;
  std::map<std::string, std::string> site_of_;  // stream key -> site
  std::string group_;
  std::string consumer_;
  std::map<std::string, std::string> pending_cursor_;  // own-pending scan position per stream
  std::map<std::string, std::string> claim_cursor_;    // XAUTOCLAIM cursor per stream
};

}  // namespace panoptes::consumer
