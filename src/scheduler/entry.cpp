#include "scheduler/entry.h"

#include <algorithm>
#include <charconv>
#include <cstdio>

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

std::string_view Entry::task_prefix() const {
  std::string_view v = value;
  size_t p1 = v.find('|');
  size_t p2 = p1 == std::string_view::npos ? p1 : v.find('|', p1 + 1);
  return p2 == std::string_view::npos ? std::string_view() : v.substr(p2 + 1);
}

std::string Entry::Digest() const {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : value) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016llx", static_cast<unsigned long long>(h));
  return std::to_string(frequency_ms) + ":" + hex;
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
  entry.value = std::to_string(entry.frequency_ms) + "|" + std::to_string(entry.expires_ms) + "|" +
                TaskPrefix(plugin, resource, signature);
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

namespace {

void PluginEntries(const SchedulablePlugin& plugin, const std::vector<Resource>& resources,
                   const std::function<void(Entry&&)>& sink) {
  if (plugin.info.kind == PluginKind::kDiscovery) {
    sink(MakeEntry(plugin.info, nullptr));
    return;
  }
  for (const Resource& resource : resources) {
    if (plugin.filter.Matches(resource)) sink(MakeEntry(plugin.info, &resource));
  }
}

}  // namespace

void ForEachEntry(const std::vector<SchedulablePlugin>& plugins, const std::vector<Resource>& resources,
                  const std::function<void(Entry&&)>& sink) {
  for (const SchedulablePlugin& plugin : plugins) PluginEntries(plugin, resources, sink);
}

void ForEachEntry(const std::vector<SchedulablePlugin>& plugins, const std::vector<Resource>& resources,
                  const std::function<void(Entry&&)>& sink, const std::vector<std::string>& only) {
  for (const SchedulablePlugin& plugin : plugins) {
    if (std::binary_search(only.begin(), only.end(), plugin.info.normalized_name))
      PluginEntries(plugin, resources, sink);
  }
}

std::vector<Entry> BuildEntries(const std::vector<SchedulablePlugin>& plugins,
                                const std::vector<Resource>& resources) {
  std::vector<Entry> entries;
  ForEachEntry(plugins, resources, [&entries](Entry&& e) { entries.push_back(std::move(e)); });
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.id < b.id; });
  auto last = std::unique(entries.begin(), entries.end(),
                          [](const Entry& a, const Entry& b) { return a.id == b.id; });
  entries.erase(last, entries.end());
  return entries;
}

}  // namespace panoptes::scheduler
