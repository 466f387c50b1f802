#include "agent/memory_task_queue.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "redis/keys.h"

namespace panoptes::agent {

// ----------------------------------------------------------------------------------- store ----

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
  expiry_.erase(it);
  strings_.erase(key);
  lists_.erase(key);
  hashes_.erase(key);
  streams_.erase(key);
  sets_.erase(key);
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
  return strings_.count(key) > 0 || (list != lists_.end() && !list->second.empty()) ||
         (hash != hashes_.end() && !hash->second.empty()) || streams_.count(key) > 0 || sets_.count(key) > 0;
}

void MemoryStore::Del(const std::string& key) {
  expiry_.erase(key);
  strings_.erase(key);
  lists_.erase(key);
  hashes_.erase(key);
  streams_.erase(key);
  sets_.erase(key);
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

// ----------------------------------------------------------------------------------- queue ----

namespace {

std::string Num(double v, int digits = 6) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", digits, v);
  return buf;
}

// Lua's tonumber on a hash field: nullopt when absent or not a number.
std::optional<double> Number(const std::map<std::string, std::string>& hash, const std::string& field) {
  auto it = hash.find(field);
  if (it == hash.end() || it->second.empty()) return std::nullopt;
  char* end = nullptr;
  double v = std::strtod(it->second.c_str(), &end);
  if (*end != '\0') return std::nullopt;
  return v;
}

std::optional<std::string> Field(MemoryStore& store, const std::string& key, const std::string& field) {
  if (!store.Exists(key)) return std::nullopt;
  auto& hash = store.Hash(key);
  auto it = hash.find(field);
  return it == hash.end() ? std::nullopt : std::optional<std::string>(it->second);
}

// LMOVE from (right end of) `from` to (left end of) `to`, or the reverse.
bool MoveRightToLeft(std::deque<std::string>& from, std::deque<std::string>& to) {
  if (from.empty()) return false;
  to.push_front(std::move(from.back()));
  from.pop_back();
  return true;
}
bool MoveLeftToRight(std::deque<std::string>& from, std::deque<std::string>& to) {
  if (from.empty()) return false;
  to.push_back(std::move(from.front()));
  from.pop_front();
  return true;
}

void PopBack(std::deque<std::string>& list) {
  if (!list.empty()) list.pop_back();
}

}  // namespace

// What one step knows as it goes, as in lua/step.lua: the worker's keys, the time, and what is
// known of the running record (unknown, present, absent) and whether a finish left it to delete.
struct MemoryTaskQueue::StepState {
  std::string inflight, running;
  double now = 0;
  std::string nows;
  std::optional<bool> busy;
  bool stale = false;
  bool lock_lost = false;
};

MemoryTaskQueue::MemoryTaskQueue(std::shared_ptr<MemoryStore> store, std::string prefix, PluginKind kind)
    : store_(std::move(store)),
      prefix_(std::move(prefix)),
      queue_(redis::keys::Tasks(prefix_, kind)),
      deadletter_(redis::keys::Deadletter(prefix_, kind)),
      workers_(redis::keys::AgentWorkers(prefix_, kind)) {}

void MemoryTaskQueue::Finish(StepState& s, const FinishPart& f, int maxlen) {
  MemoryStore& st = *store_;
  if (Field(st, s.running, "token") != f.token) return;
  for (const OutputWrite& w : f.outputs) {
    if (w.stream) {
      auto& stream = st.Stream(w.key);
      stream.push_back(w.data);
      if (maxlen > 0 && stream.size() > static_cast<size_t>(maxlen)) stream.erase(stream.begin());
    } else {
      st.Set(w.key, w.data, int64_t{w.ttl_s > 0 ? w.ttl_s : 1} * 1000);
    }
  }
  auto& meta = st.Hash(f.meta);
  meta["last_status"] = f.status;
  meta["last_duration_ms"] = std::to_string(f.duration_ms);
  meta["last_error"] = f.error;
  if (f.stored) meta["last_results"] = s.nows;
  if (f.started > 0 && f.started > Number(meta, "last_executed").value_or(0))
    meta["last_executed"] = Num(f.started);
  if (st.Get(f.lock) == f.token) {
    st.Del(f.lock);
  } else {
    s.lock_lost = true;
  }
  PopBack(st.List(s.inflight));
  s.busy = false;
  s.stale = true;
}

void MemoryTaskQueue::Guard(StepState& s, const GuardPart& g, StepReply& reply) {
  MemoryStore& st = *store_;
  std::optional<Verdict> verdict;
  if (!s.busy) {
    auto owner = Field(st, s.running, "token");
    if (owner == g.token) verdict = Verdict::kRun;  // a retried step: this guard ran already
    s.busy = owner.has_value();
  }
  auto& inflight = st.List(s.inflight);
  if (verdict) {
  } else if (*s.busy || inflight.empty() || inflight.back() != g.raw) {
    verdict = Verdict::kGone;
  } else if (s.now > g.expires_at) {
    verdict = Verdict::kExpired;
  } else if (st.Exists(g.lock)) {
    verdict = Verdict::kLocked;
  } else {
    auto& meta = st.Hash(g.meta);
    auto le = Number(meta, "last_executed"), lr = Number(meta, "last_results");
    auto ls = Number(meta, "last_scheduled");
    bool soon = false;
    if (le && ls && g.scheduled_for > 0) {
      soon = g.scheduled_for < *ls + g.execute_frequency - 0.001 ||
             *le + g.execute_frequency / 2.0 > s.now + g.skew;
    } else {
      soon = le && *le + g.execute_frequency > s.now + g.skew;
    }
    if (soon && g.code_mtime < *le) {
      verdict = Verdict::kTooSoon;
    } else if (g.results_cache_age > 0 && lr && *lr + g.results_cache_age > s.now + g.skew &&
               g.code_mtime < *lr) {
      verdict = Verdict::kCached;
    } else {
      st.Set(g.lock, g.token, g.lock_ttl_ms);
      meta["last_executed"] = s.nows;
      meta["plugin"] = g.plugin;
      meta["resource_id"] = g.resource_id;
      if (g.scheduled_for > 0) meta["last_scheduled"] = Num(std::min(g.scheduled_for, s.now), 3);
      st.Expire(g.meta, int64_t{kMetaTtlSeconds} * 1000);
      st.Hash(s.running) = {
          {"lock", g.lock}, {"meta", g.meta}, {"token", g.token}, {"task", g.task_id}, {"at", s.nows}};
      verdict = Verdict::kRun;
      s.busy = true;
      s.stale = false;
    }
  }
  if (verdict == Verdict::kRun) {
    for (const std::string& key : g.preload_keys) reply.preload.push_back(st.Get(key));
  } else if (verdict != Verdict::kGone) {
    PopBack(st.List(s.inflight));
  }
  reply.verdict = verdict;
}

void MemoryTaskQueue::Next(StepState& s, StepNext next, StepReply& reply) {
  MemoryStore& st = *store_;
  auto& inflight = st.List(s.inflight);
  if (next == StepNext::kTake) {
    if (!s.busy) s.busy = st.Exists(s.running);
    size_t n = *s.busy ? 1 : 0;
    if (inflight.size() > n) {
      reply.taken = inflight[inflight.size() - 1 - n];
    } else if (MoveRightToLeft(st.List(queue_), inflight)) {
      reply.taken = inflight.front();
    }
  } else if (next == StepNext::kHandBack && !(s.busy.value_or(st.Exists(s.running)))) {
    auto& queue = st.List(queue_);
    while (MoveLeftToRight(inflight, queue)) {
    }
    st.pushed().notify_all();
  }
}

Result<StepReply> MemoryTaskQueue::Step(const std::string& worker_id, const StepRequest& request) {
  std::lock_guard lock(store_->mutex());
  StepState s;
  s.inflight = redis::keys::AgentInflight(prefix_, worker_id);
  s.running = redis::keys::AgentRunning(prefix_, worker_id);
  s.now = store_->Now();
  s.nows = Num(s.now);
  StepReply reply;
  reply.now = std::strtod(s.nows.c_str(), nullptr);
  if (request.finish) {
    Finish(s, *request.finish, request.metrics_maxlen);
    reply.finished = s.stale;
    reply.lock_lost = s.lock_lost;
  }
  if (request.guard) Guard(s, *request.guard, reply);
  if (s.stale) store_->Del(s.running);
  Next(s, request.next, reply);
  return reply;
}

Result<std::optional<std::string>> MemoryTaskQueue::Take(const std::string& worker_id,
                                                         std::chrono::milliseconds block) {
  std::unique_lock lock(store_->mutex());
  std::string inflight = redis::keys::AgentInflight(prefix_, worker_id);
  store_->pushed().wait_for(lock, block, [&] { return !store_->List(queue_).empty(); });
  if (!MoveRightToLeft(store_->List(queue_), store_->List(inflight))) return std::optional<std::string>();
  return std::optional<std::string>(store_->List(inflight).front());
}

Status MemoryTaskQueue::DeadLetter(const std::string& worker_id, const std::string& raw,
                                   const std::string& entry) {
  std::lock_guard lock(store_->mutex());
  auto& inflight = store_->List(redis::keys::AgentInflight(prefix_, worker_id));
  for (auto it = inflight.rbegin(); it != inflight.rend(); ++it) {
    if (*it != raw) continue;
    inflight.erase(std::next(it).base());
    store_->List(deadletter_).push_front(entry);
    break;
  }
  return Status::Ok();
}

Result<QueueDepth> MemoryTaskQueue::Heartbeat(const std::vector<std::string>& worker_ids, int64_t ttl_ms) {
  std::lock_guard lock(store_->mutex());
  for (const std::string& id : worker_ids) {
    store_->Set(redis::keys::AgentHeartbeat(prefix_, id), "1", ttl_ms);
    store_->Members(workers_).insert(id);
  }
  return QueueDepth{static_cast<int64_t>(store_->List(queue_).size()),
                    static_cast<int64_t>(store_->List(deadletter_).size())};
}

Result<bool> MemoryTaskQueue::HandBack(const std::string& worker_id) {
  std::lock_guard lock(store_->mutex());
  auto& inflight = store_->List(redis::keys::AgentInflight(prefix_, worker_id));
  if (!store_->Exists(redis::keys::AgentRunning(prefix_, worker_id)) || inflight.size() < 2) return false;
  MoveLeftToRight(inflight, store_->List(queue_));
  store_->pushed().notify_all();
  return true;
}

Result<std::vector<std::string>> MemoryTaskQueue::Workers() {
  std::lock_guard lock(store_->mutex());
  const auto& members = store_->Members(workers_);
  return std::vector<std::string>(members.begin(), members.end());
}

// A silent worker whose started run's lock lives: requeue all but the running task (the tail).
ReapResult MemoryTaskQueue::Wait(const std::string& inflight_key, ReapResult r) {
  auto& inflight = store_->List(inflight_key);
  auto& queue = store_->List(queue_);
  while (inflight.size() > 1) {
    queue.push_back(std::move(inflight.front()));
    inflight.pop_front();
    ++r.requeued;
  }
  r.waiting = true;
  if (r.requeued > 0) store_->pushed().notify_all();
  return r;
}

Result<ReapResult> MemoryTaskQueue::Reap(const std::string& worker_id, const std::string& status,
                                         const std::string& error, bool check_heartbeat) {
  std::lock_guard lock(store_->mutex());
  MemoryStore& st = *store_;
  std::string inflight = redis::keys::AgentInflight(prefix_, worker_id);
  std::string running = redis::keys::AgentRunning(prefix_, worker_id);
  std::string heartbeat = redis::keys::AgentHeartbeat(prefix_, worker_id);
  ReapResult r;
  if (check_heartbeat && st.Exists(heartbeat)) {
    r.alive = true;
    return r;
  }
  auto lock_key = Field(st, running, "lock");
  if (lock_key && st.Get(*lock_key) == Field(st, running, "token")) {
    if (check_heartbeat) return Wait(inflight, r);  // its lock lives: maybe only paused
    st.Del(*lock_key);
  }
  if (lock_key) {
    auto meta = Field(st, running, "meta").value_or("");
    auto at = Field(st, running, "at");
    if (!at || Field(st, meta, "last_executed") == at) {  // unless a later run stamped it since
      auto& m = st.Hash(meta);
      m["last_status"] = status;
      m["last_error"] = error;
      st.Expire(meta, int64_t{kMetaTtlSeconds} * 1000);
    }
    PopBack(st.List(inflight));
    r.started = 1;
  }
  auto& queue = st.List(queue_);
  for (const std::string& raw : st.List(inflight)) {
    queue.push_back(raw);
    ++r.requeued;
  }
  st.Del(inflight);
  st.Del(running);
  st.Del(heartbeat);
  st.Members(workers_).erase(worker_id);
  if (r.requeued > 0) st.pushed().notify_all();
  return r;
}

}  // namespace panoptes::agent
