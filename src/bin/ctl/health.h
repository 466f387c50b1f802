#pragma once
// What panoptes-ctl status shows of quarantine and freshness (docs/operations.md): the pairs and
// whole plugins in quarantine now, and the pairs without an ok result for stale_after_cycles x
// their frequency, read from the agent's sets (docs/redis.md, "Quarantine and freshness").

#include <nlohmann/json.hpp>

#include "panoptes/kind.h"
#include "panoptes/status.h"
#include "redis/client.h"

namespace panoptes::ctl {

// At most this many of each list are shown (the sets may be large when a whole site is down).
inline constexpr int kHealthListed = 1000;

// {"quarantined": [...], "stale": [...], "truncated": bool} for `kind`, at the server time `now_s`.
// Pairs the kind's schedule no longer holds are left out (when a schedule exists).
Result<nlohmann::json> HealthLists(redis::Client& client, const std::string& prefix, PluginKind kind,
                                   double now_s);

// Text tables of the lists of every kind in `kinds` (as KindStatus puts them under "health").
void PrintHealthTables(const nlohmann::json& kinds, double now_s);

}  // namespace panoptes::ctl
