// MemoryStore (memory_task_queue.h): the Redis types the agent's scripts use, in memory.

#include <chrono>

#include "agent/memory_task_queue.h"

namespace panoptes::agent {

MemoryStore::MemoryStore(Clock clock) : clock_(std::move(clock)) {
  if (!clock_) {
    clock_ = [] {
      return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    };
  }
}

double MemoryStore::Now() const {
  return clock_();
}

void MemoryStore::Purge(const std::string& key) {
  auto it = expiry_.find(key);
  if (it == expiry_.end() || it->second > Now()) return;
  Del(key);
}

std::optional<std::string> MemoryStore::Get(const std::string& key) {
  Purge(key);
  auto it = strings_.find(key);
  return it == strings_.end() ? std::nullopt : std::optional<std::string>(it->second);
}

void MemoryStore::Set(const std::string& key, std::string value, int64_t ttl_ms) {
  Del(key);
  strings_[key] = std::move(value);
  if (ttl_ms > 0) Expire(key, ttl_ms);
}

bool MemoryStore::Exists(const std::string& key) {
  Purge(key);
  auto list = lists_.find(key);
  auto hash = hashes_.find(key);
  auto zset = zsets_.find(key);
  return strings_.count(key) > 0 || (list != lists_.end() && !list->second.empty()) ||
         (hash != hashes_.end() && !hash->second.empty()) || streams_.count(key) > 0 ||
         sets_.count(key) > 0 || (zset != zsets_.end() && !zset->second.empty());
}

void MemoryStore::Del(const std::string& key) {
  expiry_.erase(key);
  strings_.erase(key);
  lists_.erase(key);
  hashes_.erase(key);
  streams_.erase(key);
  sets_.erase(key);
  zsets_.erase(key);
}

void MemoryStore::Expire(const std::string& key, int64_t ttl_ms) {
  expiry_[key] = Now() + static_cast<double>(ttl_ms) / 1000;
}

std::deque<std::string>& MemoryStore::List(const std::string& key) {
  Purge(key);
  return lists_[key];
}

std::map<std::string, std::string>& MemoryStore::Hash(const std::string& key) {
  Purge(key);
  return hashes_[key];
}

std::vector<std::string>& MemoryStore::Stream(const std::string& key) {
  Purge(key);
  return streams_[key];
}

std::set<std::string>& MemoryStore::Members(const std::string& key) {
  Purge(key);
  return sets_[key];
}

std::map<std::string, double>& MemoryStore::SortedSet(const std::string& key) {
  Purge(key);
  return zsets_[key];
}

}  // namespace panoptes::agent
