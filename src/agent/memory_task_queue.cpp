#include "agent/memory_task_queue.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>

#include "redis/keys.h"
#include "redis/number.h"

namespace panoptes::agent {

// ----------------------------------------------------------------------------------- queue ----

namespace {

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
      kind_(kind),
      queue_(redis::keys::Tasks(prefix_, kind)),
      deadletter_(redis::keys::Deadletter(prefix_, kind)),
      workers_(redis::keys::AgentWorkers(prefix_, kind)),
      quarantine_(redis::keys::Quarantine(prefix_, kind)),
      freshness_(redis::keys::Freshness(prefix_, kind)) {}

namespace {

std::string PluginOf(const std::string& entry) {
  return entry.substr(0, entry.find(':'));
}

// HDEL of `fields`: how many existed.
int HDel(std::map<std::string, std::string>& hash, std::initializer_list<const char*> fields) {
  int n = 0;
  for (const char* f : fields) n += static_cast<int>(hash.erase(f));
  return n;
}

}  // namespace

void MemoryTaskQueue::AfterRun(const std::string& meta_key, const HealthPart& h, const std::string& status,
                               double now, const std::string& nows) {
  MemoryStore& st = *store_;
  if (h.entry.empty()) return;
  auto& meta = st.Hash(meta_key);
  if (status == "ok" || status == "empty") {
    if (status == "ok") {
      meta["last_ok"] = nows;
      st.SortedSet(freshness_)[h.entry] = now + h.stale_after_s;
    } else {
      st.SortedSet(freshness_).emplace(h.entry, now + h.stale_after_s);  // NX: tracked from its first run
    }
    if (HDel(meta, {"failures", "quarantined_until"}) > 0) st.SortedSet(quarantine_).erase(h.entry);
    if (st.Exists(h.plugin_quarantine)) {
      st.Del(h.plugin_quarantine);
      st.SortedSet(quarantine_).erase(PluginOf(h.entry));
    }
    return;
  }
  st.SortedSet(freshness_).emplace(h.entry, now + h.stale_after_s);  // NX
  int failures = static_cast<int>(Number(meta, "failures").value_or(0)) + 1;
  meta["failures"] = std::to_string(failures);
  if (h.quarantine_after > 0 && failures >= h.quarantine_after) {
    double till = now + std::min(h.frequency * std::pow(2.0, failures - h.quarantine_after + 1),
                                 static_cast<double>(h.backoff_max_s));
    meta["quarantined_until"] = redis::FixedNumber(till);
    st.SortedSet(quarantine_)[h.entry] = till;
  }
}

bool MemoryTaskQueue::Quarantined(const std::string& meta_key, const HealthPart& h, double code_mtime,
                                  double now) {
  MemoryStore& st = *store_;
  if (h.entry.empty()) return false;
  auto& meta = st.Hash(meta_key);
  auto qu = Number(meta, "quarantined_until"), le = Number(meta, "last_executed");
  bool changed = !le || code_mtime >= *le;
  if (qu && *qu > now && !changed) return true;
  if (st.Exists(h.plugin_quarantine)) {
    auto& pq = st.Hash(h.plugin_quarantine);
    auto pu = Number(pq, "until"), ps = Number(pq, "since");
    if (pu && ps && code_mtime < *ps) {
      if (*pu > now) return true;
    } else if (pu) {
      st.Del(h.plugin_quarantine);
      st.SortedSet(quarantine_).erase(PluginOf(h.entry));
    }
  }
  if (changed && (qu || meta.count("failures") > 0)) {
    HDel(meta, {"failures", "quarantined_until"});
    st.SortedSet(quarantine_).erase(h.entry);
  }
  return false;
}

void MemoryTaskQueue::RenewMeta(std::map<std::string, std::string>& meta, const std::string& meta_key,
                                double now) {
  int64_t ttl = int64_t{kMetaTtlSeconds} + kMetaTtlRenewSeconds;
  meta["expires_at"] = std::to_string(static_cast<int64_t>(std::floor(now)) + ttl);
  store_->Expire(meta_key, ttl * 1000);
}

void MemoryTaskQueue::Finish(StepState& s, const FinishPart& f, int maxlen) {
  MemoryStore& st = *store_;
  if (Field(st, s.running, "token") != f.token) return;
  for (const OutputWrite& w : f.outputs) {
    if (w.stream) {
      st.Stream(w.key).push_back(w.data);
    } else {
      st.Set(w.key, w.data, int64_t{w.ttl_s > 0 ? w.ttl_s : 1} * 1000);
    }
  }
  // The cap, once per stream after the run's writes (exact here; Redis trims whole nodes).
  for (const OutputWrite& w : f.outputs) {
    if (!w.stream || maxlen <= 0) continue;
    auto& stream = st.Stream(w.key);
    if (stream.size() > static_cast<size_t>(maxlen)) stream.erase(stream.begin(), stream.end() - maxlen);
  }
  auto& meta = st.Hash(f.meta);
  meta["last_status"] = f.status;
  meta["last_duration_ms"] = std::to_string(f.duration_ms);
  meta["last_error"] = f.error;
  if (f.stored) meta["last_results"] = s.nows;
  if (f.started > 0 && f.started > Number(meta, "last_executed").value_or(0))
    meta["last_executed"] = redis::FixedNumber(f.started);
  AfterRun(f.meta, f.health, f.status, s.now, s.nows);
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
    if (Quarantined(g.meta, g.health, g.code_mtime, s.now)) {
      verdict = Verdict::kQuarantined;
    } else if (soon && g.code_mtime < *le) {
      verdict = Verdict::kTooSoon;
    } else if (g.results_cache_age > 0 && lr && *lr + g.results_cache_age > s.now + g.skew &&
               g.code_mtime < *lr) {
      verdict = Verdict::kCached;
    } else {
      st.Set(g.lock, g.token, g.lock_ttl_ms);
      meta["last_executed"] = s.nows;
      meta["plugin"] = g.plugin;
      meta["resource_id"] = g.resource_id;
      if (g.scheduled_for > 0)
        meta["last_scheduled"] = redis::FixedNumber(std::min(g.scheduled_for, s.now), 3);
      auto expires = Number(meta, "expires_at");
      if (!expires || *expires < s.now + kMetaTtlSeconds) RenewMeta(meta, g.meta, s.now);
      st.Hash(s.running) = {
          {"lock", g.lock}, {"meta", g.meta}, {"token", g.token}, {"task", g.task_id}, {"at", s.nows}};
      if (!g.health.entry.empty()) {
        const HealthPart& h = g.health;
        auto& running = st.Hash(s.running);
        running.insert({{"entry", h.entry},
                        {"pq", h.plugin_quarantine},
                        {"after", std::to_string(h.quarantine_after)},
                        {"cap", std::to_string(h.backoff_max_s)},
                        {"frequency", std::to_string(g.execute_frequency)},
                        {"stale", std::to_string(h.stale_after_s)}});
      }
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
  s.nows = redis::FixedNumber(s.now);
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
  auto moved = HandBackEach({worker_id});
  if (!moved.ok()) return moved.status();
  return static_cast<bool>(moved->at(0));
}

// The queue's backlog is judged once, before any task moves (hand_back.lua).
Result<std::vector<bool>> MemoryTaskQueue::HandBackEach(const std::vector<std::string>& worker_ids) {
  std::lock_guard lock(store_->mutex());
  auto& queue = store_->List(queue_);
  bool backlog = !queue.empty();  // no worker waits for a task
  std::vector<bool> moved;
  for (const auto& id : worker_ids) {
    auto& inflight = store_->List(redis::keys::AgentInflight(prefix_, id));
    bool move = !backlog && store_->Exists(redis::keys::AgentRunning(prefix_, id)) && inflight.size() >= 2;
    if (move) MoveLeftToRight(inflight, queue);
    moved.push_back(move);
  }
  store_->pushed().notify_all();
  return moved;
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
      double now = st.Now();
      RenewMeta(m, meta, now);
      if (auto entry = Field(st, running, "entry")) {
        auto& run = st.Hash(running);
        auto num = [&run](const char* f) { return static_cast<int>(Number(run, f).value_or(0)); };
        HealthPart h{*entry, run["pq"], num("after"), num("cap"), num("frequency"), num("stale")};
        AfterRun(meta, h, status, now, redis::FixedNumber(now));
      }
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

Result<std::optional<std::string>> MemoryTaskQueue::QuarantinePlugin(const std::string& worker_id,
                                                                     const std::string& error) {
  std::lock_guard lock(store_->mutex());
  MemoryStore& st = *store_;
  std::string running = redis::keys::AgentRunning(prefix_, worker_id);
  auto entry = Field(st, running, "entry");
  if (!entry || entry->empty()) return std::optional<std::string>();
  auto& run = st.Hash(running);
  std::string name = PluginOf(*entry);
  auto& pq = st.Hash(run["pq"]);
  int failures = static_cast<int>(Number(pq, "failures").value_or(0)) + 1;
  double now = st.Now();
  double till = now + std::min(Number(run, "frequency").value_or(0) * std::pow(2.0, failures),
                               Number(run, "cap").value_or(0));
  pq["failures"] = std::to_string(failures);
  pq["until"] = redis::FixedNumber(till);
  pq["since"] = redis::FixedNumber(now);
  pq["error"] = error;
  pq["plugin"] = Field(st, run["meta"], "plugin").value_or(name);
  st.Expire(run["pq"], int64_t{kMetaTtlSeconds} * 1000);
  st.SortedSet(quarantine_)[name] = till;
  return std::optional<std::string>(name);
}

Result<int> MemoryTaskQueue::Unquarantine(const std::string& normalized_name,
                                          const std::string& resource_id) {
  std::lock_guard lock(store_->mutex());
  MemoryStore& st = *store_;
  int lifted = 0;
  auto& index = st.SortedSet(quarantine_);
  std::string pq = redis::keys::PluginQuarantine(prefix_, kind_, normalized_name);
  if (resource_id.empty() && st.Exists(pq)) {
    st.Del(pq);
    index.erase(normalized_name);
    ++lifted;
  }
  for (auto it = index.begin(); it != index.end();) {
    std::string meta = redis::keys::Join(prefix_, {"meta", KindName(kind_)}) + ":" + it->first;
    bool match = it->first.rfind(normalized_name + ":", 0) == 0 &&
                 (resource_id.empty() || Field(st, meta, "resource_id") == resource_id);
    if (!match) {
      ++it;
      continue;
    }
    HDel(st.Hash(meta), {"failures", "quarantined_until"});
    it = index.erase(it);
    ++lifted;
  }
  return lifted;
}

Result<std::vector<PluginHealth>> MemoryTaskQueue::HealthReport() {
  std::lock_guard lock(store_->mutex());
  MemoryStore& st = *store_;
  double now = st.Now();
  std::string schedule = redis::keys::Schedule(prefix_, kind_);
  bool known = st.Exists(schedule);
  auto scheduled = [&](const std::string& m) { return !known || st.SortedSet(schedule).count(m) > 0; };
  std::map<std::string, PluginHealth> rows;
  auto& q = st.SortedSet(quarantine_);
  for (auto it = q.begin(); it != q.end();) {
    std::string name = PluginOf(it->first);
    if (it->second < now || (name != it->first && !scheduled(it->first))) {
      it = q.erase(it);
      continue;
    }
    rows[name].plugin = name;
    if (name == it->first) {
      rows[name].quarantined = true;
    } else {
      ++rows[name].quarantined_pairs;
    }
    ++it;
  }
  auto& f = st.SortedSet(freshness_);
  for (auto it = f.begin(); it != f.end();) {
    if (it->second > now) {
      ++it;
    } else if (!scheduled(it->first)) {
      it = f.erase(it);
    } else {
      std::string name = PluginOf(it->first);
      rows[name].plugin = name;
      ++rows[name].stale_pairs;
      ++it;
    }
  }
  std::vector<PluginHealth> out;
  for (auto& [name, row] : rows) out.push_back(row);
  return out;
}

}  // namespace panoptes::agent
