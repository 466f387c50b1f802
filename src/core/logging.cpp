#include "core/logging.h"

#include <cstdlib>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include "core/text.h"

namespace panoptes::core {
namespace {

// "%*": the message with its non-printable bytes escaped (core/text.h). Messages carry text from
// plugin files, Redis and plugins; a raw escape sequence or newline there must not reach the
// operator's terminal or forge a log line.
class EscapedPayload final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    std::string_view payload(msg.payload.data(), msg.payload.size());
    if (IsPrintable(payload)) {
      dest.append(payload.data(), payload.data() + payload.size());
      return;
    }
    std::string escaped = EscapeNonPrintable(payload);
    dest.append(escaped.data(), escaped.data() + escaped.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<EscapedPayload>(); }
};

}  // namespace

std::unique_ptr<spdlog::formatter> MakeLogFormatter(bool under_journald) {
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<EscapedPayload>('*');
  // Under systemd, journald stamps each line; elsewhere we add the time ourselves.
  formatter->set_pattern(under_journald ? "[%n] %l: %*" : "%Y-%m-%d %H:%M:%S.%e [%P] [%n] %l: %*");
  return formatter;
}

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
  spdlog::set_formatter(MakeLogFormatter(std::getenv("JOURNAL_STREAM") != nullptr));
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
