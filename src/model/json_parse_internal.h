#pragma once
// Internal to panoptes_model and its tests: the two paths behind model::ParseTask (docs/redis.md).
// ParseTask tries ParseTaskFast and runs ParseTaskSlow when it declines, so ParseTaskSlow alone
// defines what ParseTask accepts and every error message it returns. Pure and thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "panoptes/model.h"
#include "panoptes/status.h"

namespace panoptes::model::internal {

// The general path: nlohmann DOM parse, then strict field reads (see ParseTask in json.h).
Result<Task> ParseTaskSlow(std::string_view text);

// A single-pass reader specialised for the task object. Returns nullopt whenever it meets
// anything it does not handle: every invalid input, and also unknown or duplicate keys, escapes
// it does not decode, numbers it cannot convert exactly as the slow path does. When it returns a
// Task, ParseTaskSlow(text) succeeds with the same Task, field for field.
std::optional<Task> ParseTaskFast(std::string_view text);

// Appends code point `cp` (<= 0x10FFFF) to `out` as UTF-8.
void AppendUtf8(std::string& out, uint32_t cp);

}  // namespace panoptes::model::internal
