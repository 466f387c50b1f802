#include "scheduler/entry.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <cstring>

#include "model/identity.h"
#include "model/json.h"

namespace panoptes::scheduler {
namespace {

constexpr int64_t kMaxSplayMs = 60000;

// The plugin's record (entry.h): "<frequency_ms>|<expires_ms>|<head length>|<head><tail>".
std::string PluginRecord(const PluginInfo& plugin) {
  std::string head = "{\"v\":1,\"kind\":";
  model::AppendJsonString(head, KindName(plugin.kind));
  head += ",\"plugin\":";
  model::AppendJsonString(head, plugin.name);
  head += ",\"signature\":\"";
  std::string record = std::to_string(int64_t{plugin.execute_frequency} * 1000);
  record += '|';
  record += std::to_string(int64_t{plugin.expires} * 1000);
  record += '|';
  record += std::to_string(head.size());
  record += '|';
  record += head;
  record += ",\"time_limit\":";
  model::AppendJsonDouble(record, plugin.time_limit);
  record += ',';
  return record;
}

bool ParseInt(std::string_view s, int64_t& out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc() && ptr == s.data() + s.size();
}

}  // namespace

std::string Entry::task_prefix() const {
  std::string out;
  ComposeTaskPrefix(plugin, id, value, out);
  return out;
}

uint64_t Entry::Hash() const {
  return ValueHash(value);
}

uint64_t ValueHash(std::string_view value) {
  // MurmurHash64A's mixing: eight bytes a step, several times faster than a byte-wise FNV over
  // values of a few hundred bytes (a rebuild hashes every entry).
  constexpr uint64_t kMul = 0xc6a4a7935bd1e995ull;
  constexpr int kShift = 47;
  const size_t n = value.size();
  uint64_t h = 0x9E3779B97F4A7C15ull ^ (n * kMul);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t k;
    std::memcpy(&k, value.data() + i, 8);
    k *= kMul;
    k ^= k >> kShift;
    k *= kMul;
    h ^= k;
    h *= kMul;
  }
  if (i < n) {
    uint64_t tail = 0;
    for (size_t j = n; j > i; --j) tail = (tail << 8) | static_cast<unsigned char>(value[j - 1]);
    h ^= tail;
    h *= kMul;
  }
  h ^= h >> kShift;
  h *= kMul;
  h ^= h >> kShift;
  return h;
}

bool IsLegacyValue(std::string_view value) {
  return !value.empty() && value[0] >= '0' && value[0] <= '9';
}

EntryDigest DigestOfValue(std::string_view value, int64_t record_frequency_ms) {
  EntryDigest d;
  d.hash = ValueHash(value);
  if (!IsLegacyValue(value)) {
    d.frequency_ms = record_frequency_ms > 0 ? record_frequency_ms : -1;
    return d;
  }
  size_t bar = value.find('|');
  int64_t frequency = -1;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + std::min(bar, value.size()), frequency);
  if (bar != std::string_view::npos && ec == std::errc() && ptr == value.data() + bar && frequency > 0)
    d.frequency_ms = frequency;
  return d;
}

bool SplitPluginRecord(std::string_view record, int64_t& frequency_ms, int64_t& expires_ms,
                       std::string_view& head, std::string_view& tail) {
  size_t p1 = record.find('|');
  size_t p2 = p1 == std::string_view::npos ? p1 : record.find('|', p1 + 1);
  size_t p3 = p2 == std::string_view::npos ? p2 : record.find('|', p2 + 1);
  int64_t head_length = 0;
  if (p3 == std::string_view::npos || !ParseInt(record.substr(0, p1), frequency_ms) ||
      !ParseInt(record.substr(p1 + 1, p2 - p1 - 1), expires_ms) ||
      !ParseInt(record.substr(p2 + 1, p3 - p2 - 1), head_length) || frequency_ms <= 0 || head_length < 0 ||
      static_cast<size_t>(head_length) > record.size() - p3 - 1) {
    return false;
  }
  head = record.substr(p3 + 1, static_cast<size_t>(head_length));
  tail = record.substr(p3 + 1 + static_cast<size_t>(head_length));
  return true;
}

bool ComposeTaskPrefix(std::string_view record, std::string_view id, std::string_view value,
                       std::string& out) {
  int64_t frequency_ms = 0, expires_ms = 0;
  std::string_view head, tail;
  size_t colon = id.find(':');
  if (colon == std::string_view::npos || !SplitPluginRecord(record, frequency_ms, expires_ms, head, tail))
    return false;
  out.assign(head);
  out += id.substr(colon + 1);
  out += "\",\"resource\":";
  out += value;
  out += tail;
  return true;
}

namespace {

// Lowercase hex digit -> value, anything else -> -1 (a table: every entry id is parsed per rebuild).
constexpr std::array<int8_t, 256> kHexValue = [] {
  std::array<int8_t, 256> t{};
  for (int8_t& v : t) v = -1;
  for (int c = 0; c < 10; ++c) t['0' + c] = static_cast<int8_t>(c);
  for (int c = 0; c < 6; ++c) t['a' + c] = static_cast<int8_t>(10 + c);
  return t;
}();

}  // namespace

bool ParseHex64(std::string_view hex, uint64_t& out) {
  if (hex.size() != 16) return false;
  out = 0;
  int bad = 0;
  for (char c : hex) {
    int d = kHexValue[static_cast<unsigned char>(c)];
    bad |= d;
    out = (out << 4) | static_cast<uint64_t>(d & 0xf);
  }
  if (bad < 0) return false;
  return true;
}

void AppendHex64(std::string& out, uint64_t value) {
  static constexpr char kDigits[] = "0123456789abcdef";
  char hex[16];
  for (int i = 15; i >= 0; --i, value >>= 4) hex[i] = kDigits[value & 0xf];
  out.append(hex, 16);
}

int64_t SplayMs(std::string_view entry_id, int64_t frequency_ms) {
  int64_t span = std::min(frequency_ms, kMaxSplayMs);
  if (span <= 0) return 0;
  // Any well-mixed hash spreads the entries; this one is a tenth of an MD5's cost (which a first
  // rebuild of 1M entries paid once more per entry, besides its signature).
  return static_cast<int64_t>(ValueHash(entry_id) % static_cast<uint64_t>(span));
}

Entry MakeEntry(const PluginInfo& plugin, const Resource* resource) {
  std::string signature = model::Signature(plugin.normalized_name, resource);
  Entry entry;
  entry.id = plugin.normalized_name + ":" + signature;
  entry.frequency_ms = int64_t{plugin.execute_frequency} * 1000;
  entry.expires_ms = int64_t{plugin.expires} * 1000;
  if (resource) {
    model::AppendResource(entry.value, *resource);
  } else {
    entry.value = "null";
  }
  entry.plugin = PluginRecord(plugin);
  return entry;
}

Result<SchedulablePlugin> MakeSchedulable(PluginInfo info) {
  SchedulablePlugin out;
  if (info.kind != PluginKind::kDiscovery) {
    auto filter = resources::ParseFilter(info.resource_filter);
    if (!filter.ok()) {
      return Status::InvalidArgument(info.file + ": [main] resource_filter: " + filter.status().message());
    }
    out.filter = std::move(*filter);
  }
  out.info = std::move(info);
  return out;
}

EntryMaker::EntryMaker(const PluginInfo& plugin)
    : plugin_(plugin),
      frequency_ms_(int64_t{plugin.execute_frequency} * 1000),
      expires_ms_(int64_t{plugin.expires} * 1000),
      record_(PluginRecord(plugin)) {}

void EntryMaker::Finish(std::string_view signature, const ResourceTable* resources, size_t row,
                        Entry& entry) const {
  entry.id.assign(plugin_.normalized_name);
  entry.id += ':';
  entry.id += signature;
  entry.frequency_ms = frequency_ms_;
  entry.expires_ms = expires_ms_;
  if (resources) {
    entry.value.clear();
    resources->AppendJson(row, entry.value);
  } else {
    entry.value.assign("null");
  }
  entry.plugin.assign(record_);
}

void EntryMaker::Make(const ResourceTable& resources, size_t row, Entry& entry, Signature* signature) {
  key_.assign(plugin_.normalized_name);
  resources.AppendKey(row, key_);
  Signature digest = model::Md5(key_);
  if (signature) *signature = digest;
  Make(resources, row, digest, entry);
}

void EntryMaker::Make(const ResourceTable& resources, size_t row, const Signature& digest,
                      Entry& entry) const {
  // model::Signature's hex, without a string of its own.
  static constexpr char kDigits[] = "0123456789abcdef";
  char signature[32];
  for (size_t i = 0; i < digest.size(); ++i) {
    signature[2 * i] = kDigits[digest[i] >> 4];
    signature[2 * i + 1] = kDigits[digest[i] & 0xf];
  }
  Finish(std::string_view(signature, sizeof(signature)), &resources, row, entry);
}

void EntryMaker::MakeDiscovery(Entry& entry) const {
  Finish(model::Signature(plugin_.normalized_name, nullptr), nullptr, 0, entry);
}

void SignatureCache::Bind(uint64_t generation) {
  if (generation_ != generation) plugins_.clear();
  generation_ = generation;
}

void SignatureCache::Retain(const std::vector<SchedulablePlugin>& plugins) {
  std::vector<std::string_view> names;
  names.reserve(plugins.size());
  for (const SchedulablePlugin& p : plugins) names.push_back(p.info.normalized_name);
  std::sort(names.begin(), names.end());
  std::erase_if(plugins_, [&names](const auto& kept) {
    return !std::binary_search(names.begin(), names.end(), std::string_view(kept.first));
  });
}

size_t SignatureCache::entries() const {
  size_t n = 0;
  for (const auto& [name, plugin] : plugins_) n += plugin.signatures.size();
  return n;
}

// One plugin's part of a SignatureCache during a pass over the resources: the signatures kept
// from the last pass when its filter is the same (the same rows match, in the same order), else
// those computed now, kept for the next pass.
class CachedSignatures {
 public:
  CachedSignatures(SignatureCache* cache, const SchedulablePlugin& plugin) {
    if (cache == nullptr) return;
    auto [it, inserted] = cache->plugins_.try_emplace(plugin.info.normalized_name);
    plugin_ = &it->second;
    reuse_ = !inserted && plugin_->filter == plugin.info.resource_filter;
    if (!reuse_) {
      plugin_->filter = plugin.info.resource_filter;
      plugin_->signatures.clear();
    }
  }
  // The entry of the next matching row.
  void Make(EntryMaker& maker, const ResourceTable& resources, size_t row, Entry& entry) {
    if (plugin_ == nullptr) return maker.Make(resources, row, entry);
    if (reuse_ && next_ < plugin_->signatures.size())
      return maker.Make(resources, row, plugin_->signatures[next_++], entry);
    if (reuse_) {  // more rows than last time: cannot be with the same resources and filter
      reuse_ = false;
      plugin_->signatures.resize(next_);
    }
    maker.Make(resources, row, entry, &plugin_->signatures.emplace_back());
  }

 private:
  SignatureCache::Plugin* plugin_ = nullptr;
  bool reuse_ = false;
  size_t next_ = 0;
};

namespace {

void PluginEntries(const SchedulablePlugin& plugin, const ResourceTable& resources,
                   const std::function<void(Entry&&)>& sink, SignatureCache* cache) {
  EntryMaker maker(plugin.info);
  Entry entry;
  if (plugin.info.kind == PluginKind::kDiscovery) {
    maker.MakeDiscovery(entry);
    sink(std::move(entry));
    return;
  }
  CachedSignatures signatures(cache, plugin);
  for (size_t row = 0; row < resources.size(); ++row) {
    if (!plugin.filter.Matches(resources.View(row))) continue;
    signatures.Make(maker, resources, row, entry);
    sink(std::move(entry));  // a sink that does not move from it leaves its buffers for the next
  }
}

}  // namespace

void ForEachEntry(const std::vector<SchedulablePlugin>& plugins, const ResourceTable& resources,
                  const std::function<void(Entry&&)>& sink, SignatureCache* cache) {
  if (cache) cache->Retain(plugins);
  for (const SchedulablePlugin& plugin : plugins) PluginEntries(plugin, resources, sink, cache);
}

void ForEachEntry(const std::vector<SchedulablePlugin>& plugins, const ResourceTable& resources,
                  const std::function<void(Entry&&)>& sink, const std::vector<std::string>& only,
                  SignatureCache* cache) {
  if (cache) cache->Retain(plugins);  // a plugin in `only` that went has no entries, and no signatures kept
  for (const SchedulablePlugin& plugin : plugins) {
    if (std::binary_search(only.begin(), only.end(), plugin.info.normalized_name))
      PluginEntries(plugin, resources, sink, cache);
  }
}

std::vector<Entry> BuildEntries(const std::vector<SchedulablePlugin>& plugins,
                                const ResourceTable& resources) {
  std::vector<Entry> entries;
  ForEachEntry(plugins, resources, [&entries](Entry&& e) { entries.push_back(std::move(e)); });
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.id < b.id; });
  auto last = std::unique(entries.begin(), entries.end(),
                          [](const Entry& a, const Entry& b) { return a.id == b.id; });
  entries.erase(last, entries.end());
  return entries;
}

}  // namespace panoptes::scheduler
