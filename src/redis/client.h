#pragma once
// A synchronous Redis client over hiredis: the one door to Redis for every module (the only file
// set that includes hiredis is src/redis/*.cpp). One Client is one connection; it is not
// thread-safe: give each thread or process its own. Callers never see a dead socket: a call on a
// broken connection reconnects (finding the master through Sentinel when configured, then AUTH and
// SELECT) and, if Redis cannot be reached, fails fast with kUnavailable while the reconnect
// backoff (capped exponential) runs; the next call after the backoff tries again.
//
// Contract of every call: on success the reply (possibly an error *reply*: Reply::IsError; Eval
// and Command turn error replies into a Status, see ErrorReplyStatus), on failure a Status whose
// message names the endpoint. A call that failed on I/O leaves the connection closed; it is
// re-opened lazily.
//
// kUnavailable therefore has two sources: the connection (Redis unreachable, or I/O failed: the
// command may or may not have run) and the server saying it cannot serve the command right now
// (IsUnavailableError below: the command did not run). Both are worth retrying with backoff.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "panoptes/site_config.h"
#include "panoptes/status.h"
#include "redis/encoded.h"

namespace panoptes::redis {

// True for the error replies of a server that cannot serve the command right now and did not run
// it, so that retrying later (with backoff) is safe and may succeed: LOADING (loading its dataset
// after a restart), READONLY (a replica, e.g. a master demoted by a Sentinel failover), MASTERDOWN
// (a replica cut off from its master), TRYAGAIN (a cluster slot moving), BUSY (a script or function
// running past busy-reply-threshold) and UNBLOCKED (a blocking command cut short because the
// server changed role). Matched on the error code, the first word: BUSYKEY and BUSYGROUP are not.
bool IsUnavailableError(std::string_view error_text);

// An owned copy of one RESP2 reply.
struct Reply {
  enum class Type { kNil, kString, kStatus, kInteger, kArray, kError };
  Type type = Type::kNil;
  std::string str;  // kString, kStatus, kError
  int64_t integer = 0;
  std::vector<Reply> elements;  // kArray

  bool IsNil() const { return type == Type::kNil; }
  bool IsError() const { return type == Type::kError; }
  // An error reply of the classes above (retry later); false for other errors and non-errors.
  bool IsUnavailableError() const { return IsError() && redis::IsUnavailableError(str); }
};

// The Status of an error reply: kUnavailable for IsUnavailableError, kRedisError otherwise, with
// the message "<context>: <error text>"; ok when `reply` is not an error. For checking the replies
// of a pipeline the way Command and Eval check theirs.
Status ErrorReplyStatus(const Reply& reply, std::string_view context);

using Args = std::vector<std::string>;

// A Lua script, run with EVALSHA (SHA-1 computed once, locally); on NOSCRIPT the client loads
// it and retries once. Scripts are immutable values; define them once (e.g. as static consts).
class Script {
 public:
  explicit Script(std::string source);
  const std::string& source() const { return source_; }
  const std::string& sha1() const { return sha1_; }

 private:
  std::string source_;
  std::string sha1_;
};

class Client {
 public:
  // `name` is sent as CLIENT SETNAME and used in log lines (e.g. "agent-worker-3").
  explicit Client(RedisConfig config, std::string name = "panoptes");
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Connects now (the first call would otherwise). Returns kUnavailable if Redis can't be reached.
  Status Connect();
  bool connected() const;

  // One command, one round trip. Error replies become a Status (ErrorReplyStatus). A READONLY reply
  // (see Eval) is resent once to the master found again.
  Result<Reply> Command(const Args& argv);
  // Several commands in one round trip. Error replies stay in the vector (one per command); when one
  // of them is READONLY, the whole pipeline is resent once to the master found again (a read-only
  // server ran none of its writes, and its reads have no effect).
  Result<std::vector<Reply>> Pipeline(const std::vector<Args>& commands);
  // A pipeline in two halves, so that the caller can work while Redis runs it: SendPipeline writes
  // the commands and returns without reading; ReceivePipeline(n) reads their n replies (error
  // replies stay in the vector). REQUIRES: nothing else is called on this client in between, and
  // every send is received. Not retried: on failure the connection is dropped and the commands may
  // or may not have run.
  Status SendPipeline(const std::vector<Args>& commands);
  // The same for commands the caller encoded (encoded.h); REQUIRES: not empty.
  Status SendPipeline(const EncodedCommands& commands);
  Result<std::vector<Reply>> ReceivePipeline(size_t n);
  // EVALSHA script numkeys keys... args...; NOSCRIPT → load and retry once. Error replies become a
  // Status (ErrorReplyStatus). READONLY (a master demoted by a failover) drops the connection and
  // resends once, at once, to the master found again (through Sentinel when configured); if that
  // one is read-only too, the result is kUnavailable.
  Result<Reply> Eval(const Script& script, const Args& keys, const Args& args);
  // A blocking command (BLMOVE, BRPOP, XREAD BLOCK...) whose server-side block is `block`. REQUIRES:
  // block < the configured io timeout (checked; kInvalidArgument otherwise) so that hiredis does not
  // time out first. A nil reply means the block ran out.
  Result<Reply> Blocking(const Args& argv, std::chrono::milliseconds block);

  // Closes the connection (e.g. in a forked child before using its own client).
  void Close();

  // Round trips made so far (benchmarks, tests).
  uint64_t round_trips() const { return round_trips_; }
  // The endpoint currently (or last) connected, "host:port".
  std::string endpoint() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  uint64_t round_trips_ = 0;
};

}  // namespace panoptes::redis
