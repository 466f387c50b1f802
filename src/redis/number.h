#pragma once
// Numbers (times in seconds, sorted-set scores) as Redis command arguments and hash fields, in the
// one form the project writes them, the form of the Lua scripts' string.format('%.6f'): fixed
// point, a given number of decimals, never an exponent, never cut short. Pure; thread-safe.

#include <string>

namespace panoptes::redis {

// `v` with `digits` decimals, e.g. FixedNumber(1.5) == "1.500000", FixedNumber(0.25, 3) == "0.250".
// Infinities and NaN come out as printf writes them ("inf", "-inf", "nan").
std::string FixedNumber(double v, int digits = 6);

}  // namespace panoptes::redis
