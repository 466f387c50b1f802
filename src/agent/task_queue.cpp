#include "agent/task_queue.h"

#include <array>
#include <utility>

namespace panoptes::agent {
namespace {

constexpr std::array<std::pair<Verdict, std::string_view>, 7> kVerdictNames = {{
    {Verdict::kGone, "gone"},
    {Verdict::kExpired, "expired"},
    {Verdict::kLocked, "locked"},
    {Verdict::kQuarantined, "quarantined"},
    {Verdict::kTooSoon, "too soon"},
    {Verdict::kCached, "cached"},
    {Verdict::kRun, "run"},
}};

}  // namespace

std::string_view VerdictName(Verdict v) {
  for (const auto& [verdict, name] : kVerdictNames) {
    if (verdict == v) return name;
  }
  return "?";
}

std::optional<Verdict> ParseVerdict(std::string_view name) {
  for (const auto& [verdict, n] : kVerdictNames) {
    if (n == name) return verdict;
  }
  return std::nullopt;
}

Result<std::vector<bool>> TaskQueue::HandBackEach(const std::vector<std::string>& worker_ids) {
  std::vector<bool> moved;
  for (const auto& id : worker_ids) {
    auto one = HandBack(id);
    if (!one.ok()) return one.status();
    moved.push_back(*one);
  }
  return moved;
}

}  // namespace panoptes::agent
