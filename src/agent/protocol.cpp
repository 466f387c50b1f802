#include "agent/protocol.h"

#include <charconv>

namespace panoptes::agent {
namespace {

bool ParseInt(std::string_view s, int64_t& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

// Splits off the first space-separated field of `rest`.
std::string_view Next(std::string_view& rest) {
  size_t sp = rest.find(' ');
  std::string_view field = rest.substr(0, sp);
  rest = sp == std::string_view::npos ? std::string_view() : rest.substr(sp + 1);
  return field;
}

}  // namespace

std::string EncodeMessage(const WorkerMessage& m) {
  std::string out(1, m.type);
  switch (m.type) {
    case 'R': out += " " + std::to_string(m.time_limit_ms) + " " + m.text; break;
    case 'D':
      out += " " + m.text + " " + std::to_string(m.duration_us) + " " + std::to_string(m.lateness_us);
      break;
    case 'K':
    case 'L': out += " " + m.text; break;
    default: break;
  }
  return out + "\n";
}

std::optional<WorkerMessage> ParseMessage(std::string_view line) {
  if (line.empty()) return std::nullopt;
  WorkerMessage m;
  m.type = line[0];
  std::string_view rest = line.size() > 2 ? line.substr(2) : std::string_view();
  switch (m.type) {
    case 'R':
      if (!ParseInt(Next(rest), m.time_limit_ms)) return std::nullopt;
      m.text = std::string(rest);
      return m;
    case 'D':
      m.text = std::string(Next(rest));
      if (m.text.empty() || !ParseInt(Next(rest), m.duration_us) || !ParseInt(rest, m.lateness_us)) {
        return std::nullopt;
      }
      return m;
    case 'K':
    case 'L':
      if (rest.empty()) return std::nullopt;
      m.text = std::string(rest);
      return m;
    case 'E': return m;
    default: return std::nullopt;
  }
}

}  // namespace panoptes::agent
