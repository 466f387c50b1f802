#include "redis/keys.h"

namespace panoptes::redis::keys {

std::string Join(std::string_view prefix, std::initializer_list<std::string_view> parts) {
  size_t size = prefix.size();
  for (auto part : parts) size += part.size() + 1;
  std::string out;
  out.reserve(size);
  out.append(prefix);
  for (auto part : parts) out.append(":").append(part);
  return out;
}

}  // namespace panoptes::redis::keys
