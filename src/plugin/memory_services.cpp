#include "plugin/memory_services.h"

namespace panoptes::plugin {

MemoryKvStore::Value* MemoryKvStore::Find(const std::string& key) {
  auto it = values_.find(key);
  if (it == values_.end()) return nullptr;
  if (it->second.expires && *it->second.expires <= Clock::now()) {
    values_.erase(it);
    return nullptr;
  }
  return &it->second;
}

Result<std::optional<std::string>> MemoryKvStore::Get(const std::string& key) {
  Value* v = Find(key);
  if (v == nullptr) return std::optional<std::string>();
  if (v->is_set) return Status::RedisError("WRONGTYPE key " + key + " holds a set");
  return std::optional<std::string>(v->str);
}

Status MemoryKvStore::Set(const std::string& key, const std::string& value, std::optional<int64_t> expire_s) {
  Value v;
  v.str = value;
  if (expire_s) v.expires = Clock::now() + std::chrono::seconds(*expire_s);
  values_[key] = std::move(v);
  return Status::Ok();
}

Result<std::optional<std::string>> MemoryKvStore::GetSet(const std::string& key, const std::string& value) {
  auto old = Get(key);
  if (!old.ok()) return old;
  PANOPTES_RETURN_IF_ERROR(Set(key, value, std::nullopt));
  return old;
}

Status MemoryKvStore::Delete(const std::string& key) {
  values_.erase(key);
  return Status::Ok();
}

Result<int64_t> MemoryKvStore::Ttl(const std::string& key) {
  Value* v = Find(key);
  if (v == nullptr) return int64_t{-2};
  if (!v->expires) return int64_t{-1};
  auto left = std::chrono::ceil<std::chrono::seconds>(*v->expires - Clock::now());
  return static_cast<int64_t>(left.count());
}

Result<std::vector<std::string>> MemoryKvStore::FindKeys(const std::string& pattern) {
  std::vector<std::string> keys;
  for (auto it = values_.begin(); it != values_.end();) {
    auto next = std::next(it);
    if (Find(it->first) != nullptr && GlobMatch(pattern, it->first)) keys.push_back(it->first);
    it = next;
  }
  return keys;
}

Status MemoryKvStore::SetAdd(const std::string& key, const std::string& member) {
  Value* v = Find(key);
  if (v == nullptr) {
    v = &values_[key];
    v->is_set = true;
  }
  if (!v->is_set) return Status::RedisError("WRONGTYPE key " + key + " holds a string");
  v->members.insert(member);
  return Status::Ok();
}

Result<std::vector<std::string>> MemoryKvStore::SetMembers(const std::string& key) {
  Value* v = Find(key);
  if (v == nullptr) return std::vector<std::string>();
  if (!v->is_set) return Status::RedisError("WRONGTYPE key " + key + " holds a string");
  return std::vector<std::string>(v->members.begin(), v->members.end());
}

Result<std::optional<std::string>> MemorySecretStore::Get(const std::string& key) {
  auto it = secrets_.find(key);
  if (it == secrets_.end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}

Result<std::optional<std::string>> MemoryEnrichmentSource::Fetch(const std::string& resource_id,
                                                                 const std::string& namespace_) {
  auto it = stored_.find(resource_id + ":" + namespace_);
  if (it == stored_.end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}

namespace {

// Matches one [...] class at pattern[i] (i after '['); sets `i` past ']'.
bool MatchClass(std::string_view p, size_t& i, char c) {
  bool negate = i < p.size() && p[i] == '^';
  if (negate) ++i;
  bool found = false;
  while (i < p.size() && p[i] != ']') {
    if (p[i] == '\\' && i + 1 < p.size()) ++i;
    if (i + 2 < p.size() && p[i + 1] == '-' && p[i + 2] != ']') {
      char lo = std::min(p[i], p[i + 2]), hi = std::max(p[i], p[i + 2]);
      found = found || (c >= lo && c <= hi);
      i += 3;
    } else {
      found = found || p[i] == c;
      ++i;
    }
  }
  if (i < p.size()) ++i;  // ']'
  return found != negate;
}

}  // namespace

bool GlobMatch(std::string_view p, std::string_view s) {
  if (p.empty()) return s.empty();
  if (p[0] == '*') {
    for (size_t k = 0; k <= s.size(); ++k) {
      if (GlobMatch(p.substr(1), s.substr(k))) return true;
    }
    return false;
  }
  if (s.empty()) return false;
  if (p[0] == '?') return GlobMatch(p.substr(1), s.substr(1));
  if (p[0] == '[') {
    size_t i = 1;
    if (!MatchClass(p, i, s[0])) return false;
    return GlobMatch(p.substr(i), s.substr(1));
  }
  if (p[0] == '\\' && p.size() > 1) return p[1] == s[0] && GlobMatch(p.substr(2), s.substr(1));
  return p[0] == s[0] && GlobMatch(p.substr(1), s.substr(1));
}

}  // namespace panoptes::plugin
