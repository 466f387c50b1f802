// Task messages (the queue's JSON) on arbitrary bytes. Two parsers read them: a fast one-pass
// reader and the nlohmann path it declines to. Properties: never a crash; whatever the fast path
// accepts, the slow path accepts with the same fields; ParseTask accepts exactly what the slow
// path accepts; an accepted task serialises to JSON that parses back to the same task.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.h"
#include "model/json.h"
#include "model/json_parse_internal.h"

namespace {

bool SameNumber(double a, double b) {
  return a == b || (std::isnan(a) && std::isnan(b));
}

bool Same(const panoptes::Task& a, const panoptes::Task& b) {
  return a.v == b.v && a.id == b.id && a.kind == b.kind && a.plugin == b.plugin &&
         a.signature == b.signature && a.resource == b.resource &&
         SameNumber(a.scheduled_for, b.scheduled_for) && SameNumber(a.expires_at, b.expires_at) &&
         SameNumber(a.time_limit, b.time_limit);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using panoptes::fuzz::Check;
  namespace model = panoptes::model;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto fast = model::internal::ParseTaskFast(text);
  auto slow = model::internal::ParseTaskSlow(text);
  if (fast) {
    Check(slow.ok(), "the slow path accepts what the fast path accepts");
    Check(Same(*fast, *slow), "both paths read the same task");
  }
  auto task = model::ParseTask(text);
  Check(task.ok() == slow.ok(), "ParseTask accepts exactly what the slow path accepts");
  if (!task.ok()) return 0;
  auto back = model::ParseTask(model::SerializeTask(*task));
  Check(back.ok(), "a serialised task parses");
  Check(Same(*task, *back), "a task survives serialise + parse");
  return 0;
}
