#include "scheduler/digest_table.h"

#include <algorithm>
#include <bit>

namespace panoptes::scheduler {
namespace {

bool InScope(const std::vector<std::string>* scope, std::string_view name) {
  return scope == nullptr || std::binary_search(scope->begin(), scope->end(), name);
}

std::string_view NameOf(std::string_view id) {
  return id.substr(0, id.find(':'));
}

constexpr size_t kMinCapacity = 16;

}  // namespace

int32_t PackFrequency(int64_t frequency_ms) {
  if (frequency_ms <= 0) return 0;
  if (frequency_ms % 1000 == 0 && frequency_ms / 1000 <= INT32_MAX)
    return static_cast<int32_t>(frequency_ms / 1000);
  if (frequency_ms <= INT32_MAX) return static_cast<int32_t>(-frequency_ms);
  return 0;
}

size_t DigestTable::PluginSlots::Home(uint64_t hi, uint64_t lo) const {
  // The signature is an MD5: any bits would do, but ids written by hand (tests) may not be random.
  uint64_t h = (lo ^ (hi * 0x9E3779B97F4A7C15ull)) * 0xff51afd7ed558ccdull;
  return static_cast<size_t>(h >> shift_);
}

void DigestTable::PluginSlots::Grow(size_t capacity) {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(capacity, Slot{});
  shift_ = 64 - std::countr_zero(capacity);
  const size_t mask = capacity - 1;
  for (const Slot& s : old) {
    if (s.frequency == kFree) continue;
    size_t i = Home(s.hi, s.lo);
    while (slots_[i].frequency != kFree) i = (i + 1) & mask;
    slots_[i] = s;
  }
}

DigestTable::Slot& DigestTable::PluginSlots::Locate(uint64_t hi, uint64_t lo, bool& created) {
  if ((size_ + 1) * 5 > slots_.size() * 4) Grow(std::max(kMinCapacity, slots_.size() * 2));
  const size_t mask = slots_.size() - 1;
  for (size_t i = Home(hi, lo);; i = (i + 1) & mask) {
    Slot& s = slots_[i];
    if (s.frequency == kFree) {
      s.hi = hi;
      s.lo = lo;
      s.hash = 0;
      s.frequency = 0;
      s.mark = 0;
      ++size_;
      created = true;
      return s;
    }
    if (s.hi == hi && s.lo == lo) {
      created = false;
      return s;
    }
  }
}

template <typename F>
size_t DigestTable::PluginSlots::RemoveUnmarked(uint32_t mark, F&& gone) {
  size_t removed = 0;
  for (Slot& s : slots_) {
    if (s.frequency == kFree || s.mark == mark) continue;
    gone(s);
    s.frequency = kFree;
    ++removed;
  }
  if (removed == 0) return 0;
  size_ -= removed;
  // Linear probing cannot leave holes in a run: put the rest back in place (same capacity, or a
  // smaller one when most went).
  size_t capacity = slots_.size();
  while (capacity > kMinCapacity && size_ * 5 <= capacity) capacity /= 2;
  Grow(capacity);
  return removed;
}

void DigestTable::Put(std::string_view id, EntryDigest digest) {
  bool created = false;
  Slot& slot = Locate(id, created);
  slot.hash = digest.hash;
  slot.frequency = PackFrequency(digest.frequency_ms);
}

void DigestTable::PutPlugin(std::string_view name, std::string record) {
  records_[std::string(name)].record = std::move(record);
}

void DigestTable::Clear() {
  records_.clear();
  plugins_.clear();
  others_.clear();
  last_ = nullptr;
  last_name_.clear();
  size_ = 0;
}

DigestTable::Slot& DigestTable::Locate(std::string_view id, bool& created) {
  size_t colon = id.find(':');
  uint64_t hi = 0, lo = 0;
  bool ours = colon != std::string_view::npos && id.size() - colon - 1 == 32 &&
              ParseHex64(id.substr(colon + 1, 16), hi) && ParseHex64(id.substr(colon + 17), lo);
  if (!ours) {
    auto [it, inserted] = others_.try_emplace(std::string(id));
    created = inserted;
    if (inserted) it->second.frequency = 0;
    size_ += inserted;
    return it->second;
  }
  std::string_view name = id.substr(0, colon);
  if (last_ == nullptr || last_name_ != name) {
    last_name_.assign(name);
    last_ = &plugins_[last_name_];
  }
  Slot& slot = last_->Locate(hi, lo, created);
  size_ += created;
  return slot;
}

RebuildStats DigestTable::Diff(const EntrySource& source, const std::vector<std::string>* scope,
                               const SetFn& set, const RemoveFn& remove, const SetPluginFn& set_plugin,
                               const RemovePluginFn& remove_plugin) {
  RebuildStats stats;
  ++mark_;
  std::string record_name;  // the plugin whose record was checked last (entries come by plugin)
  source([&](Entry&& entry) {
    if (!entry.plugin.empty()) {
      std::string_view name = NameOf(entry.id);
      if (name != record_name) {
        record_name.assign(name);
        Record& r = records_[record_name];
        if (r.mark != mark_ && r.record != entry.plugin) {
          r.record = entry.plugin;
          ++stats.plugins_written;
          if (set_plugin) set_plugin(record_name, r.record);
        }
        r.mark = mark_;
      }
    }
    bool created = false;
    Slot& slot = Locate(entry.id, created);
    if (slot.mark == mark_) return;  // the same id twice (two resources with one key)
    slot.mark = mark_;
    const uint64_t hash = entry.Hash();
    const int32_t frequency = PackFrequency(entry.frequency_ms);
    if (!created && slot.hash == hash && slot.frequency == frequency) {
      ++stats.unchanged;
      return;
    }
    // An unknown stored frequency (a malformed value) starts a new cadence, as a changed one does.
    bool new_cadence = created || slot.frequency == 0 || slot.frequency != frequency;
    const bool value_changed = created || slot.hash != hash;
    ++(created ? stats.added : new_cadence ? stats.rescheduled : stats.updated);
    slot.hash = hash;
    slot.frequency = frequency;
    std::optional<int64_t> splay;
    if (new_cadence) splay = SplayMs(entry.id, entry.frequency_ms);
    set(entry, splay, value_changed);
  });
  RemoveUnmarked(scope, stats, remove);
  for (auto it = records_.begin(); it != records_.end();) {
    if (it->second.mark == mark_ || !InScope(scope, it->first)) {
      ++it;
      continue;
    }
    if (remove_plugin) remove_plugin(it->first);
    it = records_.erase(it);
  }
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
    size_t removed = p->second.RemoveUnmarked(mark_, [&](const Slot& s) {
      id.assign(p->first);
      id += ':';
      AppendHex64(id, s.hi);
      AppendHex64(id, s.lo);
      remove(id);
    });
    stats.removed += removed;
    size_ -= removed;
    p = p->second.size() == 0 ? plugins_.erase(p) : std::next(p);
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
