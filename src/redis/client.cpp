#include "redis/client.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <string_view>

#include "core/logging.h"
#include "redis/hiredis_util.h"
#include "redis/master_watch.h"
#include "redis/sha1.h"

namespace panoptes::redis {
namespace {

using detail::ArgvBuffer;
using detail::ContextPtr;
using detail::ReplyPtr;
using Clock = std::chrono::steady_clock;
constexpr int kInitialBackoffMs = 50;

timeval ToTimeval(int ms) {
  return timeval{ms / 1000, (ms % 1000) * 1000};
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

std::string_view View(const redisReply* r) {
  return std::string_view(r->str, r->len);
}

bool IsReadOnlyError(const redisReply* r) {
  return r->type == REDIS_REPLY_ERROR && StartsWith(View(r), "READONLY");
}

// An error reply as a Status: kUnavailable when the server could not serve the command right now
// (IsUnavailableError), kRedisError otherwise.
Status ErrorStatus(std::string context, const redisReply* r) {
  std::string message = std::move(context) + ": " + std::string(View(r));
  if (IsUnavailableError(View(r))) return Status::Unavailable(std::move(message));
  return Status::RedisError(std::move(message));
}

Reply Convert(const redisReply* r) {
  Reply out;
  detail::ConvertInto(r, out);
  return out;
}

// One command on `ctx`; nullptr on I/O failure (the context is then dead).
ReplyPtr Exec(redisContext* ctx, ArgvBuffer& argv) {
  return ReplyPtr(static_cast<redisReply*>(redisCommandArgv(ctx, argv.argc(), argv.argv(), argv.lens())));
}

ReplyPtr Exec(redisContext* ctx, std::initializer_list<std::string_view> parts) {
  ArgvBuffer argv;
  for (auto p : parts) argv.Add(p);
  return Exec(ctx, argv);
}

// "host:port" from a SENTINEL get-master-addr-by-name reply; false when it names no master.
bool ParseMasterAddr(const redisReply* r, HostPort* out) {
  if (r == nullptr || r->type != REDIS_REPLY_ARRAY || r->elements != 2) return false;
  const redisReply* host = r->element[0];
  const redisReply* port = r->element[1];
  if (host->type != REDIS_REPLY_STRING || port->type != REDIS_REPLY_STRING) return false;
  int value = 0;
  auto [end, ec] = std::from_chars(port->str, port->str + port->len, value);
  if (ec != std::errc() || end != port->str + port->len || value <= 0 || value > 65535) return false;
  *out = HostPort{std::string(View(host)), value};
  return true;
}

}  // namespace

Script::Script(std::string source) : source_(std::move(source)), sha1_(Sha1Hex(source_)) {}

struct Client::Impl {
  RedisConfig config;
  std::string name;
  uint64_t* round_trips = nullptr;  // the owning Client's counter
  ContextPtr ctx;
  HostPort endpoint;
  std::string last_error;
  Clock::time_point next_attempt{};
  int backoff_ms = 0;
  bool down_reported = false;
  bool used_since_connect = false;  // a failure on a reused connection may just be a stale socket
  // Following the process' MasterSignal (master_watch.h), with sentinels configured:
  uint64_t epoch_at_connect = 0;  // the signal's epoch read before the connection was opened
  int64_t checked_ms = 0;         // when this client last confirmed its master itself (MonotonicMs)
  bool pause_reported = false;

  std::string Where() const {
    return "redis " +
           (endpoint.host.empty() ? config.host + ":" + std::to_string(config.port) : endpoint.ToString());
  }

  ContextPtr Dial(const HostPort& hp, std::string* error) const {
    timeval ct = ToTimeval(config.connect_timeout_ms);
    ContextPtr c(redisConnectWithTimeout(hp.host.c_str(), hp.port, ct));
    if (!c || c->err) {
      *error = hp.ToString() + ": " + (c ? c->errstr : "cannot allocate context");
      return nullptr;
    }
    detail::CapAggregates(c->reader);
    timeval io = ToTimeval(config.io_timeout_ms);
    redisSetTimeout(c.get(), io);
    redisEnableKeepAlive(c.get());
    return c;
  }

  // Asks one sentinel where the master is.
  Result<HostPort> AskSentinel(const HostPort& sentinel) const {
    std::string err;
    ContextPtr c = Dial(sentinel, &err);
    if (!c) return Status::Unavailable("sentinel " + err);
    if (!config.sentinel_password.empty()) {
      ReplyPtr a = Exec(c.get(), {"AUTH", config.sentinel_password});
      if (!a)
        return Status::Unavailable("sentinel " + sentinel.ToString() +
                                   ": I/O error during AUTH: " + c->errstr);
      if (a->type == REDIS_REPLY_ERROR) {
        // Not kRedisError: another sentinel may accept us; Open() lists every refusal.
        return Status::Unavailable("sentinel " + sentinel.ToString() +
                                   ": AUTH refused: " + std::string(View(a.get())));
      }
    }
    ReplyPtr r = Exec(c.get(), {"SENTINEL", "get-master-addr-by-name", config.master_name});
    if (!r) return Status::Unavailable("sentinel " + sentinel.ToString() + ": " + c->errstr);
    if (r->type == REDIS_REPLY_ERROR) {
      return Status::Unavailable("sentinel " + sentinel.ToString() + ": " + std::string(View(r.get())));
    }
    HostPort master;
    if (!ParseMasterAddr(r.get(), &master)) {
      return Status::Unavailable("sentinel " + sentinel.ToString() + ": no master named '" +
                                 config.master_name + "'");
    }
    return master;
  }

  // AUTH, SELECT, CLIENT SETNAME and (Sentinel) ROLE on a fresh connection. kRedisError when Redis
  // refuses one of them (a configuration problem), kUnavailable on I/O failure, a non-master or a
  // server that cannot serve it right now (IsUnavailableError: e.g. BUSY).
  Status Handshake(redisContext* c) {
    if (!config.password.empty()) {
      ReplyPtr r = config.username.empty() ? Exec(c, {"AUTH", config.password})
                                           : Exec(c, {"AUTH", config.username, config.password});
      if (!r) return Status::Unavailable(Where() + ": I/O error during AUTH: " + c->errstr);
      if (r->type == REDIS_REPLY_ERROR) return ErrorStatus(Where() + ": AUTH refused", r.get());
    }
    std::string db = std::to_string(config.db);
    std::vector<std::vector<std::string_view>> steps;
    if (config.db != 0) steps.push_back({"SELECT", db});
    steps.push_back({"CLIENT", "SETNAME", name});
    if (!config.sentinels.empty()) steps.push_back({"ROLE"});
    for (const auto& step : steps) {
      std::string_view what = step.front();
      ArgvBuffer argv;
      for (auto part : step) argv.Add(part);
      ReplyPtr r = Exec(c, argv);
      if (!r)
        return Status::Unavailable(Where() + ": I/O error during " + std::string(what) + ": " + c->errstr);
      if (r->type == REDIS_REPLY_ERROR)
        return ErrorStatus(Where() + ": " + std::string(what) + " refused", r.get());
      if (what == "ROLE" && !(r->type == REDIS_REPLY_ARRAY && r->elements > 0 &&
                              r->element[0]->type == REDIS_REPLY_STRING && View(r->element[0]) == "master")) {
        return Status::Unavailable(Where() + ": named master by Sentinel but ROLE says otherwise");
      }
    }
    return Status::Ok();
  }

  Status OpenAt(const HostPort& target) {
    if (!endpoint.host.empty() && !config.sentinels.empty() && endpoint.ToString() != target.ToString()) {
      core::Logger("redis")->warn("redis ({}): master of '{}' moved from {} to {} (failover)", name,
                                  config.master_name, endpoint.ToString(), target.ToString());
    }
    endpoint = target;
    std::string err;
    ContextPtr c = Dial(target, &err);
    if (!c) return Status::Unavailable("redis " + err);
    PANOPTES_RETURN_IF_ERROR(Handshake(c.get()));
    ctx = std::move(c);
    used_since_connect = false;
    return Status::Ok();
  }

  // Plain: the configured host. Sentinel: each sentinel in turn until one names a server that
  // accepts us as its master.
  Status Open() {
    if (config.sentinels.empty()) return OpenAt({config.host, config.port});
    std::string errors;
    for (const HostPort& sentinel : config.sentinels) {
      auto master = AskSentinel(sentinel);
      Status st = master.ok() ? OpenAt(*master) : master.status();
      if (st.ok() || st.code() == StatusCode::kRedisError) return st;
      errors += (errors.empty() ? "" : "; ") + st.message();
    }
    return Status::Unavailable("no reachable master '" + config.master_name + "' via Sentinel: " + errors);
  }

  MasterSignal* Signal() const { return config.sentinels.empty() ? nullptr : GetMasterSignal(); }

  // Before each call, with a MasterSignal: no call while Sentinel fails over; leave a master that
  // Sentinel has replaced; ask Sentinel itself when the watch has not confirmed the master lately.
  Status Follow(MasterSignal& s) {
    int64_t now = MonotonicMs();
    if (s.paused_until_ms.load(std::memory_order_acquire) > now) {
      if (!pause_reported)
        core::Logger("redis")->info("{} ({}): Sentinel is failing over '{}': calls wait for the new master",
                                    Where(), name, config.master_name);
      pause_reported = true;
      return Status::Unavailable(Where() + ": Sentinel is failing over '" + config.master_name +
                                 "'; waiting for the new master");
    }
    pause_reported = false;
    if (!ctx) return Status::Ok();
    if (s.epoch.load(std::memory_order_acquire) != epoch_at_connect) {
      core::Logger("redis")->warn("{} ({}): Sentinel named a new master of '{}': leaving this one", Where(),
                                  name, config.master_name);
      ctx.reset();
      next_attempt = {};
      return Status::Ok();
    }
    if (now - std::max(s.fresh_ms.load(std::memory_order_acquire), checked_ms) <= kStaleAfterMs)
      return Status::Ok();
    // The watch is silent (down, or this process was stopped and its messages are not read yet).
    checked_ms = now;
    for (const HostPort& sentinel : config.sentinels) {
      auto master = AskSentinel(sentinel);
      if (!master.ok()) continue;
      if (master->ToString() != endpoint.ToString()) {
        core::Logger("redis")->warn("{} ({}): Sentinel names {} the master of '{}': leaving this one",
                                    Where(), name, master->ToString(), config.master_name);
        ctx.reset();
        next_attempt = {};
      }
      break;
    }
    return Status::Ok();
  }

  Status Connect() {
    MasterSignal* signal = Signal();
    uint64_t epoch = signal != nullptr ? signal->epoch.load(std::memory_order_acquire) : 0;
    Status st = Open();
    auto log = core::Logger("redis");
    if (st.ok()) {
      epoch_at_connect = epoch;
      checked_ms = MonotonicMs();
      if (down_reported || backoff_ms != 0) log->info("{} ({}): connected", Where(), name);
      backoff_ms = 0;
      down_reported = false;
      return st;
    }
    backoff_ms =
        backoff_ms == 0 ? kInitialBackoffMs : std::min(backoff_ms * 2, config.reconnect_max_backoff_ms);
    next_attempt = Clock::now() + std::chrono::milliseconds(backoff_ms);
    last_error = st.message();
    if (!down_reported) {
      log->warn("redis ({}): cannot connect: {}; retrying with backoff up to {} ms", name, st.message(),
                config.reconnect_max_backoff_ms);
      down_reported = true;
    }
    return st;
  }

  Status Ensure() {
    if (MasterSignal* signal = Signal()) PANOPTES_RETURN_IF_ERROR(Follow(*signal));
    if (ctx) return Status::Ok();
    if (Clock::now() < next_attempt) {
      return Status::Unavailable(Where() + ": not connected (backing off after: " + last_error + ")");
    }
    return Connect();
  }

  Status Lost() {
    std::string err = ctx ? ctx->errstr : "connection closed";
    ctx.reset();
    core::Logger("redis")->warn("{} ({}): connection lost: {}", Where(), name, err);
    return Status::Unavailable(Where() + ": " + err);
  }

  // A demoted master answers writes with -READONLY: drop the connection so that the next call
  // finds the master again (at once, no backoff).
  void DemotedMaster(const redisReply* r) {
    core::Logger("redis")->warn("{} ({}): {}; looking for the master again", Where(), name,
                                r != nullptr ? View(r) : std::string_view("READONLY in a pipeline"));
    ctx.reset();
    next_attempt = {};
  }

  // True when the failure looks like a connection that went stale while idle (server restarted or
  // closed it): then the command was never executed and may be sent again once.
  bool StaleFailure() const {
    if (!ctx || !used_since_connect) return false;
    return ctx->err == REDIS_ERR_EOF || (ctx->err == REDIS_ERR_IO && (errno == ECONNRESET || errno == EPIPE));
  }

  Result<ReplyPtr> Run(ArgvBuffer& argv) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      PANOPTES_RETURN_IF_ERROR(Ensure());
      ++*round_trips;
      ReplyPtr r = Exec(ctx.get(), argv);
      if (r) {
        used_since_connect = true;
        if (!IsReadOnlyError(r.get())) return r;
        DemotedMaster(r.get());
        // A read-only server ran nothing of it: resend once to the master found again.
        if (attempt == 1) return r;
        continue;
      }
      bool retry = attempt == 0 && StaleFailure();
      Status st = Lost();
      if (!retry) return st;
    }
    return Status::Internal("unreachable");
  }

  // Run, then error replies become a Status (ErrorStatus) naming the endpoint and command.
  Result<Reply> RunChecked(ArgvBuffer& argv) {
    auto r = Run(argv);
    if (!r.ok()) return r.status();
    const redisReply* raw = r->get();
    if (raw->type == REDIS_REPLY_ERROR) return ErrorStatus(Where() + ": " + std::string(argv.name()), raw);
    return Convert(raw);
  }

  // Appends every command, then reads every reply: one round trip. False on I/O failure.
  // Buffers the commands in hiredis (nothing is written yet).
  bool AppendPipeline(const std::vector<Args>& commands) {
    ArgvBuffer argv;
    for (const Args& cmd : commands) {
      argv.Clear();
      argv.Add(cmd);
      if (redisAppendCommandArgv(ctx.get(), argv.argc(), argv.argv(), argv.lens()) != REDIS_OK) return false;
    }
    return true;
  }

  // Reads n replies into *out (writing what is still buffered first); false when the connection
  // failed, with *out holding the replies read before. A READONLY reply among them sends the
  // client looking for the master again (*demoted is then true).
  bool ReadPipeline(size_t n, std::vector<Reply>* out, bool* demoted) {
    out->resize(n);
    *demoted = false;
    for (size_t i = 0; i < n; ++i) {
      void* raw = nullptr;
      if (redisGetReply(ctx.get(), &raw) != REDIS_OK || raw == nullptr) {
        out->resize(i);
        return false;
      }
      ReplyPtr r(static_cast<redisReply*>(raw));
      *demoted = *demoted || IsReadOnlyError(r.get());
      detail::ConvertInto(r.get(), (*out)[i]);
    }
    used_since_connect = true;
    if (*demoted) DemotedMaster(nullptr);
    return true;
  }

  bool RunPipeline(const std::vector<Args>& commands, std::vector<Reply>* out, bool* demoted) {
    if (!AppendPipeline(commands)) return false;
    ++*round_trips;
    return ReadPipeline(commands.size(), out, demoted);
  }
};

Client::Client(RedisConfig config, std::string name) : impl_(std::make_unique<Impl>()) {
  impl_->config = std::move(config);
  impl_->name = std::move(name);
  impl_->round_trips = &round_trips_;
}

Client::~Client() = default;

Status Client::Connect() {
  if (impl_->ctx) return Status::Ok();
  return impl_->Connect();
}

bool Client::connected() const {
  return impl_->ctx != nullptr;
}

void Client::Close() {
  impl_->ctx.reset();
}

std::string Client::endpoint() const {
  return impl_->endpoint.ToString();
}

Result<Reply> Client::Command(const Args& argv) {
  if (argv.empty()) return Status::InvalidArgument("redis: empty command");
  ArgvBuffer buffer;
  buffer.Add(argv);
  return impl_->RunChecked(buffer);
}

Result<std::vector<Reply>> Client::Pipeline(const std::vector<Args>& commands) {
  std::vector<Reply> out;
  if (commands.empty()) return out;
  for (const Args& cmd : commands) {
    if (cmd.empty()) return Status::InvalidArgument("redis: empty command in a pipeline");
  }
  for (int attempt = 0; attempt < 2; ++attempt) {
    PANOPTES_RETURN_IF_ERROR(impl_->Ensure());
    out.clear();
    bool demoted = false;
    if (impl_->RunPipeline(commands, &out, &demoted)) {
      // A read-only server ran none of the writes and the reads have no effect: resend once.
      if (demoted && attempt == 0) continue;
      return out;
    }
    // Only the very first reply failing on a stale connection is safe to resend.
    bool retry = attempt == 0 && out.empty() && impl_->StaleFailure();
    Status st = impl_->Lost();
    if (!retry) return st;
  }
  return Status::Internal("unreachable");
}

Status Client::SendPipeline(const std::vector<Args>& commands) {
  for (const Args& cmd : commands) {
    if (cmd.empty()) return Status::InvalidArgument("redis: empty command in a pipeline");
  }
  PANOPTES_RETURN_IF_ERROR(impl_->Ensure());
  if (!impl_->AppendPipeline(commands)) return impl_->Lost();
  int done = 0;
  while (!done) {
    if (redisBufferWrite(impl_->ctx.get(), &done) != REDIS_OK) return impl_->Lost();
  }
  ++round_trips_;
  return Status::Ok();
}

Status Client::SendPipeline(const EncodedCommands& commands) {
  if (commands.empty()) return Status::InvalidArgument("redis: empty pipeline");
  PANOPTES_RETURN_IF_ERROR(impl_->Ensure());
  const std::string& bytes = commands.bytes();
  if (redisAppendFormattedCommand(impl_->ctx.get(), bytes.data(), bytes.size()) != REDIS_OK)
    return impl_->Lost();
  int done = 0;
  while (!done) {
    if (redisBufferWrite(impl_->ctx.get(), &done) != REDIS_OK) return impl_->Lost();
  }
  ++round_trips_;
  return Status::Ok();
}

Result<std::vector<Reply>> Client::ReceivePipeline(size_t n) {
  if (!impl_->ctx) return Status::Unavailable("redis: receiving a pipeline on a closed connection");
  std::vector<Reply> out;
  bool demoted = false;
  if (!impl_->ReadPipeline(n, &out, &demoted)) return impl_->Lost();
  return out;
}

Result<Reply> Client::Eval(const Script& script, const Args& keys, const Args& args) {
  std::string numkeys = std::to_string(keys.size());
  ArgvBuffer argv;
  argv.Add("EVALSHA");
  argv.Add(script.sha1());
  argv.Add(numkeys);
  argv.Add(keys);
  argv.Add(args);
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto r = impl_->Run(argv);
    if (!r.ok()) return r.status();
    const redisReply* raw = r->get();
    if (raw->type != REDIS_REPLY_ERROR) return Convert(raw);
    if (attempt == 0 && StartsWith(View(raw), "NOSCRIPT")) {
      ArgvBuffer load;
      load.Add("SCRIPT");
      load.Add("LOAD");
      load.Add(script.source());
      auto loaded = impl_->RunChecked(load);
      if (!loaded.ok()) return loaded.status();
      continue;
    }
    return ErrorStatus(impl_->Where() + ": script " + script.sha1().substr(0, 8), raw);
  }
  return Status::Internal("unreachable");
}

Result<Reply> Client::Blocking(const Args& argv, std::chrono::milliseconds block) {
  if (argv.empty()) return Status::InvalidArgument("redis: empty command");
  if (block.count() <= 0 || block.count() >= impl_->config.io_timeout_ms) {
    return Status::InvalidArgument("blocking " + argv[0] + " for " + std::to_string(block.count()) +
                                   " ms: the block must be positive and below the I/O timeout of " +
                                   std::to_string(impl_->config.io_timeout_ms) + " ms");
  }
  ArgvBuffer buffer;
  buffer.Add(argv);
  return impl_->RunChecked(buffer);
}

}  // namespace panoptes::redis
