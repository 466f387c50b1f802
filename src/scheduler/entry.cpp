#include "scheduler/entry.h"

#include <algorithm>
#include <charconv>

#include "model/identity.h"
#include "model/json.h"

namespace panoptes::scheduler {
namespace {

constexpr int64_t kMaxSplayMs = 60000;

std::string TaskPrefix(const PluginInfo& plugin, const Resource* resource, const std::string& signature) {
  std::string out;
  out.reserve(resource ? 384 : 160);
  out += "{\"v\":1,\"kind\":";
  model::AppendJsonString(out, KindName(plugin.kind));
  out += ",\"plugin\":";
  model::AppendJsonString(out, plugin.name);
  out += ",\"signature\":";
  model::AppendJsonString(out, signature);
  out += ",\"resource\":";
  if (resource) {
    model::AppendResource(out, *resource);
  } else {
    out += "null";
  }
  out += ",\"time_limit\":";
  model::AppendJsonDouble(out, plugin.time_limit);
  out += ',';
  return out;
}

}  // namespace

std::string Entry::Value() const {
  return std::to_string(frequency_ms) + "|" + std::to_string(expires_ms) + "|" + task_prefix;
}

std::string Entry::Digest() const {
  return std::to_string(frequency_ms) + ":" + model::Md5Hex(Value()).substr(0, 16);
}

int64_t DigestFrequencyMs(std::string_view digest) {
  size_t colon = digest.find(':');
  if (colon == std::string_view::npos) return -1;
  int64_t value = -1;
  auto [ptr, ec] = std::from_chars(digest.data(), digest.data() + colon, value);
  if (ec != std::errc() || ptr != digest.data() + colon) return -1;
  return value;
}

int64_t SplayMs(std::string_view entry_id, int64_t frequency_ms) {
  int64_t span = std::min(frequency_ms, kMaxSplayMs);
  if (span <= 0) return 0;
  auto digest = model::Md5(entry_id);
  uint64_t h = 0;
  for (int i = 0; i < 8; ++i) h = (h << 8) | digest[i];
  return static_cast<int64_t>(h % static_cast<uint64_t>(span));
}

Entry MakeEntry(const PluginInfo& plugin, const Resource* resource) {
  std::string signature = model::Signature(plugin.normalized_name, resource);
  Entry entry;
  entry.id = plugin.normalized_name + ":" + signature;
  entry.frequency_ms = int64_t{plugin.execute_frequency} * 1000;
  entry.expires_ms = int64_t{plugin.expires} * 1000;
  entry.task_prefix = TaskPrefix(plugin, resource, signature);
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

std::vector<Entry> BuildEntries(const std::vector<SchedulablePlugin>& plugins,
                                const std::vector<Resource>& resources) {
  std::vector<Entry> entries;
  for (const SchedulablePlugin& plugin : plugins) {
    if (plugin.info.kind == PluginKind::kDiscovery) {
      entries.push_back(MakeEntry(plugin.info, nullptr));
      continue;
    }
    for (const Resource& resource : resources) {
      if (plugin.filter.Matches(resource)) entries.push_back(MakeEntry(plugin.info, &resource));
    }
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.id < b.id; });
  auto last = std::unique(entries.begin(), entries.end(),
                          [](const Entry& a, const Entry& b) { return a.id == b.id; });
  entries.erase(last, entries.end());
  return entries;
}

}  // namespace panoptes::scheduler
