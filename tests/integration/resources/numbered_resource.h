#pragma once
// The resource store tests' switch number i: "sw<i>" of plugin "disc" in dc1, metadata os=junos.

#include <string>

#include "panoptes/model.h"

namespace panoptes::resources {

inline Resource Numbered(int i) {
  Resource r;
  r.site = "dc1";
  r.class_ = "network";
  r.subclass = "switch";
  r.type = "juniper";
  r.id = "sw" + std::to_string(i);
  r.endpoint = r.id + ".example.com";
  r.plugin = "disc";
  r.creation_timestamp = 1700000000.5;
  r.metadata = {{"os", "junos"}};
  return r;
}

}  // namespace panoptes::resources
