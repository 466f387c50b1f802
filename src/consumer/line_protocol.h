#pragma once
// A metrics group (docs/plugin-api.md) as one InfluxDB line-protocol point, named as the original Panoptes
// InfluxDB consumer names it (docs/outputs.md):
//   measurement  the group type with every run of characters outside [0-9a-zA-Z_] replaced by '_'
//   tags         the dimensions, then resource_site, resource_class, resource_subclass,
//                resource_type and resource_endpoint (these win over a dimension of the same
//                name), sorted by key; a tag whose value is empty is left out (InfluxDB refuses
//                empty tag values, and an absent tag reads back as empty)
//   fields       <metric_name>__<metric_type> = value, sorted by key, written as floats (no `i`
//                suffix, as the original), so a counter and its rate gauge sit side by side
//   time         the group's creation timestamp in whole seconds (write with precision=s)
// Pure functions, thread-safe.

#include <string>
#include <string_view>

#include "panoptes/model.h"
#include "panoptes/status.h"

namespace panoptes::consumer {

std::string Measurement(std::string_view group_type);

// The point's text (no trailing newline). kInvalidArgument with the reason when the group yields
// no valid point: no metric with a finite value, or an empty measurement.
Result<std::string> ToLineProtocol(const MetricsGroup& group);

// A stream entry's `data` (the group's JSON) as a point: the parse error or ToLineProtocol's.
Result<std::string> EntryToLineProtocol(std::string_view data);

}  // namespace panoptes::consumer
