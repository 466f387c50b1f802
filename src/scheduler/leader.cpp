#include "scheduler/leader.h"

#include <unistd.h>

#include <random>

#include "redis/keys.h"

namespace panoptes::scheduler {
namespace {

const redis::Script& RenewScript() {
  static const redis::Script script(
      "if redis.call('GET', KEYS[1]) == ARGV[1] then "
      "return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end");
  return script;
}

const redis::Script& ReleaseScript() {
  static const redis::Script script(
      "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end");
  return script;
}

}  // namespace

RedisLeaderLock::RedisLeaderLock(redis::Client& client, const std::string& key_prefix, PluginKind kind,
                                 int ttl_ms, std::string token)
    : client_(client),
      key_(redis::keys::Leader(key_prefix, kind)),
      ttl_ms_(ttl_ms),
      token_(std::move(token)) {}

Result<bool> RedisLeaderLock::Acquire() {
  auto reply = client_.Command({"SET", key_, token_, "NX", "PX", std::to_string(ttl_ms_)});
  if (!reply.ok()) return reply.status();
  if (!reply->IsNil()) return true;
  return Renew();
}

Result<bool> RedisLeaderLock::Renew() {
  auto reply = client_.Eval(RenewScript(), {key_}, {token_, std::to_string(ttl_ms_)});
  if (!reply.ok()) return reply.status();
  return reply->integer == 1;
}

Status RedisLeaderLock::Release() {
  auto reply = client_.Eval(ReleaseScript(), {key_}, {token_});
  return reply.status();
}

std::string MakeLeaderToken() {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  std::random_device rd;
  uint64_t r = (uint64_t{rd()} << 32) ^ rd();
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016llx", static_cast<unsigned long long>(r));
  return std::string(host) + ":" + std::to_string(getpid()) + ":" + hex;
}

}  // namespace panoptes::scheduler
