#pragma once
// SHA-1 (FIPS 180-1), used only to name Lua scripts for EVALSHA. Not for security.

#include <string>
#include <string_view>

namespace panoptes::redis {

// Lowercase hex digest (40 characters) of `data`.
std::string Sha1Hex(std::string_view data);

}  // namespace panoptes::redis
