#pragma once
// Writes line-protocol points to InfluxDB over HTTP (docs/outputs.md): the 1.x API
// (POST /write?db=<database>&precision=s) or the 2.x-style API that InfluxDB 2 and VictoriaMetrics
// accept (POST /api/v2/write?bucket=<database>&org=<org>&precision=s, "Authorization: Token ...").
// Deliver() splits a batch the database rejects (HTTP 400) until the rejected points stand alone.
// Not thread-safe (one keep-alive connection).

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "http/client.h"
#include "panoptes/site_config.h"
#include "panoptes/status.h"

namespace panoptes::consumer {

// One write's outcome as the consumer acts on it.
struct WriteOutcome {
  enum class Kind { kOk, kRejected, kFailed };
  Kind kind = Kind::kFailed;
  std::string message;  // the database's answer (rejected, failed) or the connection error
};

class InfluxWriter {
 public:
  explicit InfluxWriter(const ConsumerConfig& config);

  // v1 with create_database: CREATE DATABASE (a no-op when it exists, as in the original). Else
  // Ok. kUnavailable when the database cannot be reached.
  Status EnsureDatabase();
  // `body`: points separated by '\n'. 2xx -> kOk; 400 and 413 -> kRejected (the points are at
  // fault); anything else, including no answer -> kFailed (retry later).
  WriteOutcome Write(std::string_view body);

 private:
  ConsumerConfig config_;
  http::Client client_;
  std::string write_target_;
  http::Headers headers_;
};

struct Rejected {
  size_t index;         // into the delivered lines
  std::string message;  // the database's reason
};

struct Delivery {
  bool ok = false;                 // every point written or rejected alone
  std::string failure;             // !ok: why (the batch is to be retried whole)
  std::vector<Rejected> rejected;  // ok: the points the database refused on their own
  int requests = 0;
};

// Writes `lines` through `write` (one call per request). A rejected batch is halved and each half
// written again, so one bad point costs O(log n) extra requests and the good points of its batch
// still arrive. A failure stops the delivery (the halves already written arrive again on the retry:
// a repeated point has the same series and timestamp, so it overwrites itself).
Delivery Deliver(const std::vector<std::string>& lines,
                 const std::function<WriteOutcome(std::string_view)>& write);

}  // namespace panoptes::consumer
