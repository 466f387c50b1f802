#include "core/logging.h"

#include <cstdlib>

#include <spdlog/sinks/stdout_color_sinks.h>

namespace panoptes::core {

std::optional<spdlog::level::level_enum> ParseLogLevel(std::string_view name) {
  if (name == "trace") return spdlog::level::trace;
  if (name == "debug") return spdlog::level::debug;
  if (name == "info") return spdlog::level::info;
  if (name == "warn" || name == "warning") return spdlog::level::warn;
  if (name == "error") return spdlog::level::err;
  if (name == "critical") return spdlog::level::critical;
  if (name == "off") return spdlog::level::off;
  return std::nullopt;
}

void InitLogging(spdlog::level::level_enum level) {
  spdlog::set_level(level);
  // Under systemd, journald stamps each line; elsewhere we add the time ourselves.
  if (std::getenv("JOURNAL_STREAM") != nullptr) {
    spdlog::set_pattern("[%n] %l: %v");
  } else {
    spdlog::set_pattern("%Y-%m-%d %H:%M:%S.%e [%P] [%n] %l: %v");
  }
}

std::shared_ptr<spdlog::logger> Logger(const std::string& name) {
  if (auto existing = spdlog::get(name)) return existing;
  try {
    auto logger = spdlog::stderr_color_mt(name);
    logger->set_level(spdlog::get_level());
    return logger;
  } catch (const spdlog::spdlog_ex&) {
    // Another thread registered it between get() and create().
    return spdlog::get(name);
  }
}

}  // namespace panoptes::core
