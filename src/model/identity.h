#pragma once
// Identity of a plugin run (docs/plugin-files.md): an MD5 written here (no crypto dependency for one hash) and
// the signature of (normalized plugin name, resource). Resource::Key() (model.h) is implemented in
// identity.cpp. Pure functions; thread-safe.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "panoptes/model.h"

namespace panoptes::model {

// The 16-byte MD5 digest of `data` (RFC 1321).
std::array<uint8_t, 16> Md5(std::string_view data);
// Lowercase hex of Md5(data), 32 characters.
std::string Md5Hex(std::string_view data);

// md5hex(normalized_name + resource->Key()), or md5hex(normalized_name) when resource is null
// (discovery). `normalized_name` is config::NormalizedName(Name). For a resource this equals the
// original Panoptes' signature (normalized_name + repr(resource)); see docs/resource-filter.md.
std::string Signature(std::string_view normalized_name, const Resource* resource);

}  // namespace panoptes::model
