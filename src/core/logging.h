#pragma once
// Logging setup. Every module has its own named spdlog logger ("scheduler", "agent", "redis", ...)
// writing to stderr; journald adds timestamps under systemd, so the pattern omits them when
// JOURNAL_STREAM is set. Loggers are created on first use and share one level.

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <spdlog/spdlog.h>

namespace panoptes::core {

// Parses "trace|debug|info|warn|error" (also "warning", "critical", "off").
std::optional<spdlog::level::level_enum> ParseLogLevel(std::string_view name);

// The pattern of every log line; the message part has its non-printable bytes escaped
// (core/text.h), whatever code logged it.
std::unique_ptr<spdlog::formatter> MakeLogFormatter(bool under_journald);

// Sets the level of every existing and future logger. Call once at start, before forking.
void InitLogging(spdlog::level::level_enum level);

// The named logger of a module, created on first call. Thread-safe.
std::shared_ptr<spdlog::logger> Logger(const std::string& name);

}  // namespace panoptes::core
