// Resource::Key() and the run signature (docs/plugin-files.md, docs/plugin-api.md).
#include "model/identity.h"

namespace panoptes {

std::string Resource::Key() const {
  std::string key;
  key.reserve(48 + plugin.size() + site.size() + class_.size() + subclass.size() + type.size() + id.size() +
              endpoint.size());
  key.append("plugin|").append(plugin);
  key.append("|site|").append(site);
  key.append("|class|").append(class_);
  key.append("|subclass|").append(subclass);
  key.append("|type|").append(type);
  key.append("|id|").append(id);
  key.append("|endpoint|").append(endpoint);
  return key;
}

namespace model {

std::string Signature(std::string_view normalized_name, const Resource* resource) {
  if (resource == nullptr) return Md5Hex(normalized_name);
  std::string input(normalized_name);
  input += resource->Key();
  return Md5Hex(input);
}

}  // namespace model
}  // namespace panoptes
