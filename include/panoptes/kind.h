#pragma once
// The three plugin kinds. Each has its own plugin directories, queue, leader and base class.

#include <array>
#include <optional>
#include <string_view>

namespace panoptes {

enum class PluginKind { kDiscovery = 0, kEnrichment = 1, kPolling = 2 };

inline constexpr std::array<PluginKind, 3> kAllKinds = {PluginKind::kDiscovery, PluginKind::kEnrichment,
                                                        PluginKind::kPolling};

// "discovery", "enrichment", "polling".
constexpr std::string_view KindName(PluginKind kind) {
  switch (kind) {
    case PluginKind::kDiscovery: return "discovery";
    case PluginKind::kEnrichment: return "enrichment";
    case PluginKind::kPolling: return "polling";
  }
  return "unknown";
}

constexpr std::optional<PluginKind> ParseKind(std::string_view name) {
  for (PluginKind k : kAllKinds) {
    if (KindName(k) == name) return k;
  }
  return std::nullopt;
}

constexpr std::size_t KindIndex(PluginKind kind) {
  return static_cast<std::size_t>(kind);
}

}  // namespace panoptes
