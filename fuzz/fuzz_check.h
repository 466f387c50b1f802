#pragma once
// Shared by the libFuzzer targets: a property check that aborts (so libFuzzer records the input
// as a crash) with a message saying which property broke. Assertions are not used: they vanish
// under NDEBUG.

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace panoptes::fuzz {

inline void Check(bool property, const char* what) {
  if (property) return;
  std::fprintf(stderr, "fuzz property violated: %s\n", what);
  std::abort();
}

inline bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

}  // namespace panoptes::fuzz
