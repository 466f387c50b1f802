#include "redis/number.h"

#include <cstdio>

namespace panoptes::redis {

std::string FixedNumber(double v, int digits) {
  char buf[64];
  int n = std::snprintf(buf, sizeof(buf), "%.*f", digits, v);
  if (n < 0) return {};
  if (static_cast<size_t>(n) < sizeof(buf)) return std::string(buf, static_cast<size_t>(n));
  std::string out(static_cast<size_t>(n), '\0');  // large magnitudes: up to 309 digits before the point
  std::snprintf(out.data(), out.size() + 1, "%.*f", digits, v);
  return out;
}

}  // namespace panoptes::redis
