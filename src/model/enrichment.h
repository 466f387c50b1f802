#pragma once
// Enrichment groups (docs/plugin-api.md): the sets of one namespace for one resource, as a plugin
// returned them. Their sets are arbitrary JSON, held as nlohmann::json; kept out of the public
// include/panoptes/model.h so that it does not expose a JSON library. Plain value types.

#include <vector>

#include <nlohmann/json.hpp>

#include "panoptes/model.h"

namespace panoptes {

struct EnrichmentGroup {
  std::string namespace_;
  Resource resource;
  int interval = 0;  // _execute_frequency
  int ttl = 0;       // _enrichment_ttl
  double creation_timestamp = 0;
  nlohmann::json data = nlohmann::json::object();  // {<set key>: {<k>: <v>}}
  // The metadata a plugin added with upsert_metadata (keys without a leading '_'; str or number
  // values), stored next to the three reserved keys as the original does.
  nlohmann::json extra_metadata = nlohmann::json::object();
};

// What an enrichment run produced.
struct EnrichmentResult {
  std::vector<EnrichmentGroup> groups;  // possibly for several resources (MultiGroupSet)
};

}  // namespace panoptes
