#include "bin/ctl/output.h"

#include <algorithm>
#include <cstdio>

#include "core/text.h"

namespace panoptes::ctl {

void Table::Print(bool quiet_empty) const {
  if (quiet_empty && rows_.empty()) return;
  std::vector<size_t> width(header_.size(), 0);
  std::vector<std::vector<std::string>> cells;
  cells.push_back(header_);
  for (const auto& row : rows_) {
    std::vector<std::string> escaped;
    for (const auto& cell : row) escaped.push_back(core::EscapeNonPrintable(cell));
    cells.push_back(std::move(escaped));
  }
  for (const auto& row : cells) {
    for (size_t i = 0; i < row.size() && i < width.size(); ++i)
      width[i] = std::max(width[i], core::DisplayWidth(row[i]));
  }
  for (const auto& row : cells) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(width[i] - core::DisplayWidth(row[i]) + 2, ' ');
    }
    std::printf("%s\n", line.c_str());
  }
}

void PrintJson(const nlohmann::json& value) {
  std::printf("%s\n", value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
}

std::string HumanAge(double seconds) {
  if (seconds < 0) return "-";
  char buf[32];
  auto s = static_cast<long long>(seconds);
  if (seconds < 60) {
    std::snprintf(buf, sizeof buf, "%.1fs", seconds);
  } else if (s < 3600) {
    std::snprintf(buf, sizeof buf, "%lldm%02llds", s / 60, s % 60);
  } else if (s < 86400) {
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", s / 3600, s % 3600 / 60);
  } else {
    std::snprintf(buf, sizeof buf, "%lldd%02lldh", s / 86400, s % 86400 / 3600);
  }
  return buf;
}

}  // namespace panoptes::ctl
