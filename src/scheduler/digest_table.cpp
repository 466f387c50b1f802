#include "scheduler/digest_table.h"

#include <algorithm>

namespace panoptes::scheduler {
namespace {

bool InScope(const std::vector<std::string>* scope, std::string_view name) {
  return scope == nullptr || std::binary_search(scope->begin(), scope->end(), name);
}

std::string_view NameOf(std::string_view id) {
  return id.substr(0, id.find(':'));
}

}  // namespace

void DigestTable::Put(std::string_view id, EntryDigest digest) {
  bool created = false;
  Locate(id, created).digest = digest;
}

void DigestTable::Clear() {
  plugins_.clear();
  others_.clear();
  last_ = nullptr;
  last_name_.clear();
  size_ = 0;
}

DigestTable::Slot& DigestTable::Locate(std::string_view id, bool& created) {
  size_t colon = id.find(':');
  Signature sig;
  bool ours = colon != std::string_view::npos && id.size() - colon - 1 == 32 &&
              ParseHex64(id.substr(colon + 1, 16), sig.hi) && ParseHex64(id.substr(colon + 17), sig.lo);
  if (!ours) {
    auto [it, inserted] = others_.try_emplace(std::string(id));
    created = inserted;
    size_ += inserted;
    return it->second;
  }
  std::string_view name = id.substr(0, colon);
  if (last_ == nullptr || last_name_ != name) {
    last_name_.assign(name);
    last_ = &plugins_[last_name_];
  }
  auto [it, inserted] = last_->try_emplace(sig);
  created = inserted;
  size_ += inserted;
  return it->second;
}

RebuildStats DigestTable::Diff(const EntrySource& source, const std::vector<std::string>* scope,
                               const SetFn& set, const RemoveFn& remove) {
  RebuildStats stats;
  ++mark_;
  source([&](Entry&& entry) {
    bool created = false;
    Slot& slot = Locate(entry.id, created);
    if (slot.mark == mark_) return;  // the same id twice (two resources with one key)
    slot.mark = mark_;
    EntryDigest digest{entry.Hash(), entry.frequency_ms};
    if (!created && slot.digest.hash == digest.hash && slot.digest.frequency_ms == digest.frequency_ms) {
      ++stats.unchanged;
      return;
    }
    bool new_cadence = created || slot.digest.frequency_ms != entry.frequency_ms;
    ++(created ? stats.added : new_cadence ? stats.rescheduled : stats.updated);
    slot.digest = digest;
    std::optional<int64_t> splay;
    if (new_cadence) splay = SplayMs(entry.id, entry.frequency_ms);
    set(entry, splay);
  });
  RemoveUnmarked(scope, stats, remove);
  return stats;
}

void DigestTable::RemoveUnmarked(const std::vector<std::string>* scope, RebuildStats& stats,
                                 const RemoveFn& remove) {
  std::string id;
  for (auto p = plugins_.begin(); p != plugins_.end();) {
    if (!InScope(scope, p->first)) {
      ++p;
      continue;
    }
    for (auto it = p->second.begin(); it != p->second.end();) {
      if (it->second.mark == mark_) {
        ++it;
        continue;
      }
      id.assign(p->first);
      id += ':';
      AppendHex64(id, it->first.hi);
      AppendHex64(id, it->first.lo);
      remove(id);
      ++stats.removed;
      --size_;
      it = p->second.erase(it);
    }
    p = p->second.empty() ? plugins_.erase(p) : std::next(p);
  }
  last_ = nullptr;  // a plugin's slots may be gone
  for (auto it = others_.begin(); it != others_.end();) {
    if (it->second.mark == mark_ || !InScope(scope, NameOf(it->first))) {
      ++it;
      continue;
    }
    remove(it->first);
    ++stats.removed;
    --size_;
    it = others_.erase(it);
  }
}

}  // namespace panoptes::scheduler
