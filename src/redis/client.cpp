#include "redis/client.h"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <cerrno>
#include <string_view>

#include "core/logging.h"
#include "redis/sha1.h"

namespace panoptes::redis {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int kInitialBackoffMs = 50;

timeval ToTimeval(int ms) {
  return timeval{ms / 1000, (ms % 1000) * 1000};
}

Reply Convert(const redisReply* r) {
  Reply out;
  switch (r->type) {
    case REDIS_REPLY_STRING:
      out.type = Reply::Type::kString;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = Reply::Type::kStatus;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = Reply::Type::kError;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = Reply::Type::kInteger;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = Reply::Type::kArray;
      out.elements.reserve(r->elements);
      for (size_t i = 0; i < r->elements; ++i) out.elements.push_back(Convert(r->element[i]));
      break;
    default: out.type = Reply::Type::kNil; break;
  }
  return out;
}

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

struct ContextDeleter {
  void operator()(redisContext* c) const { redisFree(c); }
};
using ContextPtr = std::unique_ptr<redisContext, ContextDeleter>;

// Sends one command given as pieces; returns nullptr on I/O failure (the context is then dead).
ReplyPtr Exec(redisContext* ctx, const std::vector<std::string_view>& parts) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  argv.reserve(parts.size());
  lens.reserve(parts.size());
  for (auto p : parts) {
    argv.push_back(p.data());
    lens.push_back(p.size());
  }
  return ReplyPtr(static_cast<redisReply*>(
      redisCommandArgv(ctx, static_cast<int>(argv.size()), argv.data(), lens.data())));
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

}  // namespace

Script::Script(std::string source) : source_(std::move(source)), sha1_(Sha1Hex(source_)) {}

struct Client::Impl {
  RedisConfig config;
  std::string name;
  ContextPtr ctx;
  HostPort endpoint;
  std::string last_error;
  Clock::time_point next_attempt{};
  int backoff_ms = 0;
  bool down_reported = false;
  bool used_since_connect = false;  // a failure on a reused connection may just be a stale socket

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
    timeval io = ToTimeval(config.io_timeout_ms);
    redisSetTimeout(c.get(), io);
    redisEnableKeepAlive(c.get());
    return c;
  }

  Result<HostPort> DiscoverMaster() {
    std::string errors;
    for (const HostPort& s : config.sentinels) {
      std::string err;
      ContextPtr c = Dial(s, &err);
      if (!c) {
        errors += (errors.empty() ? "" : "; ") + err;
        continue;
      }
      ReplyPtr r = Exec(c.get(), {"SENTINEL", "get-master-addr-by-name", config.master_name});
      if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 2) {
        return HostPort{std::string(r->element[0]->str, r->element[0]->len), std::atoi(r->element[1]->str)};
      }
      errors +=
          (errors.empty() ? "" : "; ") + s.ToString() + ": no master named '" + config.master_name + "'";
    }
    return Status::Unavailable("no sentinel knows master '" + config.master_name + "': " + errors);
  }

  Status Handshake(redisContext* c) {
    if (!config.password.empty()) {
      ReplyPtr r = Exec(c, {"AUTH", config.password});
      if (!r) return Status::Unavailable(Where() + ": I/O error during AUTH: " + c->errstr);
      if (r->type == REDIS_REPLY_ERROR) {
        return Status::RedisError(Where() + ": AUTH refused: " + std::string(r->str, r->len));
      }
    }
    std::vector<std::vector<std::string_view>> steps;
    std::string db = std::to_string(config.db);
    if (config.db != 0) steps.push_back({"SELECT", db});
    steps.push_back({"CLIENT", "SETNAME", name});
    if (!config.sentinels.empty()) steps.push_back({"ROLE"});
    for (const auto& step : steps) {
      ReplyPtr r = Exec(c, step);
      if (!r)
        return Status::Unavailable(Where() + ": I/O error during " + std::string(step[0]) + ": " + c->errstr);
      if (r->type == REDIS_REPLY_ERROR) {
        return Status::RedisError(Where() + ": " + std::string(step[0]) +
                                  " refused: " + std::string(r->str, r->len));
      }
      if (step[0] == "ROLE" && !(r->type == REDIS_REPLY_ARRAY && r->elements > 0 &&
                                 std::string_view(r->element[0]->str, r->element[0]->len) == "master")) {
        return Status::Unavailable(Where() + ": sentinel named it master but ROLE says otherwise");
      }
    }
    return Status::Ok();
  }

  Status Open() {
    HostPort target{config.host, config.port};
    if (!config.sentinels.empty()) {
      auto master = DiscoverMaster();
      if (!master.ok()) return master.status();
      target = *master;
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

  Status Connect() {
    Status st = Open();
    auto log = core::Logger("redis");
    if (st.ok()) {
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
      log->warn("{} ({}): {}; retrying with backoff up to {} ms", Where(), name, st.message(),
                config.reconnect_max_backoff_ms);
      down_reported = true;
    }
    return st;
  }

  Status Ensure() {
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

  // True when the failure looks like a connection that went stale while idle (server restarted or
  // closed it): then the command was never executed and may be sent again once.
  bool StaleFailure() const {
    if (!ctx || !used_since_connect) return false;
    return ctx->err == REDIS_ERR_EOF || (ctx->err == REDIS_ERR_IO && (errno == ECONNRESET || errno == EPIPE));
  }

  Result<ReplyPtr> Run(const std::vector<std::string_view>& parts) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      PANOPTES_RETURN_IF_ERROR(Ensure());
      ReplyPtr r = Exec(ctx.get(), parts);
      if (r) {
        used_since_connect = true;
        if (r->type == REDIS_REPLY_ERROR && StartsWith(std::string_view(r->str, r->len), "READONLY")) {
          ctx.reset();  // a failover demoted this server: find the master again
          next_attempt = {};
        }
        return r;
      }
      bool retry = attempt == 0 && StaleFailure();
      Status st = Lost();
      if (!retry) return st;
    }
    return Status::Internal("unreachable");
  }
};

Client::Client(RedisConfig config, std::string name) : impl_(std::make_unique<Impl>()) {
  impl_->config = std::move(config);
  impl_->name = std::move(name);
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

namespace {
std::vector<std::string_view> Views(const Args& argv) {
  return {argv.begin(), argv.end()};
}
}  // namespace

Result<Reply> Client::Command(const Args& argv) {
  auto r = impl_->Run(Views(argv));
  ++round_trips_;
  if (!r.ok()) return r.status();
  Reply out = Convert(r->get());
  if (out.IsError()) return Status::RedisError(impl_->Where() + ": " + argv[0] + ": " + out.str);
  return out;
}

Result<std::vector<Reply>> Client::Pipeline(const std::vector<Args>& commands) {
  if (commands.empty()) return std::vector<Reply>{};
  ++round_trips_;
  for (int attempt = 0; attempt < 2; ++attempt) {
    PANOPTES_RETURN_IF_ERROR(impl_->Ensure());
    redisContext* c = impl_->ctx.get();
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (const Args& cmd : commands) {
      argv.clear();
      lens.clear();
      for (const std::string& a : cmd) {
        argv.push_back(a.data());
        lens.push_back(a.size());
      }
      redisAppendCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lens.data());
    }
    std::vector<Reply> out;
    out.reserve(commands.size());
    bool failed = false;
    for (size_t i = 0; i < commands.size(); ++i) {
      void* raw = nullptr;
      if (redisGetReply(c, &raw) != REDIS_OK || raw == nullptr) {
        failed = true;
        break;
      }
      ReplyPtr r(static_cast<redisReply*>(raw));
      out.push_back(Convert(r.get()));
    }
    if (!failed) {
      impl_->used_since_connect = true;
      return out;
    }
    // Only the very first reply failing on a stale connection is safe to resend.
    bool retry = attempt == 0 && out.empty() && impl_->StaleFailure();
    Status st = impl_->Lost();
    if (!retry) return st;
  }
  return Status::Internal("unreachable");
}

Result<Reply> Client::Eval(const Script& script, const Args& keys, const Args& args) {
  std::vector<std::string_view> parts;
  parts.reserve(3 + keys.size() + args.size());
  std::string numkeys = std::to_string(keys.size());
  parts.push_back("EVALSHA");
  parts.push_back(script.sha1());
  parts.push_back(numkeys);
  parts.insert(parts.end(), keys.begin(), keys.end());
  parts.insert(parts.end(), args.begin(), args.end());
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto r = impl_->Run(parts);
    ++round_trips_;
    if (!r.ok()) return r.status();
    Reply out = Convert(r->get());
    if (!out.IsError()) return out;
    if (attempt == 0 && StartsWith(out.str, "NOSCRIPT")) {
      auto loaded = impl_->Run({"SCRIPT", "LOAD", script.source()});
      ++round_trips_;
      if (!loaded.ok()) return loaded.status();
      continue;
    }
    return Status::RedisError(impl_->Where() + ": script " + script.sha1().substr(0, 8) + ": " + out.str);
  }
  return Status::Internal("unreachable");
}

Result<Reply> Client::Blocking(const Args& argv, std::chrono::milliseconds block) {
  if (block.count() >= impl_->config.io_timeout_ms) {
    return Status::InvalidArgument("blocking " + argv[0] + " for " + std::to_string(block.count()) +
                                   " ms must stay below the I/O timeout of " +
                                   std::to_string(impl_->config.io_timeout_ms) + " ms");
  }
  auto r = impl_->Run(Views(argv));
  ++round_trips_;
  if (!r.ok()) return r.status();
  Reply out = Convert(r->get());
  if (out.IsError()) return Status::RedisError(impl_->Where() + ": " + argv[0] + ": " + out.str);
  return out;
}

}  // namespace panoptes::redis
