#include "agent/outputs.h"

#include "model/json.h"
#include "redis/keys.h"

namespace panoptes::agent {

std::vector<OutputWrite> BuildOutputs(const std::string& prefix, const PluginInfo& info,
                                      const python::PluginResult& result, const std::string& default_site) {
  std::vector<OutputWrite> out;
  if (const auto* polling = std::get_if<PollingResult>(&result)) {
    for (const MetricsGroup& g : polling->groups) {
      const std::string& site = g.resource.site.empty() ? default_site : g.resource.site;
      out.push_back({redis::keys::Metrics(prefix, site), true, 0, model::SerializeMetricsGroup(g)});
    }
  } else if (const auto* enrichment = std::get_if<EnrichmentResult>(&result)) {
    for (const EnrichmentGroup& g : enrichment->groups) {
      int ttl = g.ttl > 0 ? g.ttl : info.enrichment_ttl;
      out.push_back({redis::keys::Enrichment(prefix, g.resource.id, g.namespace_), false, ttl > 0 ? ttl : 1,
                     model::SerializeEnrichmentGroup(g)});
    }
  }
  return out;
}

}  // namespace panoptes::agent
