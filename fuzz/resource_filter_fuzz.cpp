// The resource filter DSL on arbitrary expressions: never crashes; an accepted expression's
// canonical form (Filter::ToString) parses again to the same canonical form and the same verdict
// on a few resources, so the printer and the parser agree on grouping and quoting.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "resources/filter.h"

namespace {

std::vector<panoptes::Resource> Samples() {
  panoptes::Resource a;
  a.site = "dc1";
  a.class_ = "network";
  a.subclass = "switch";
  a.type = "juniper";
  a.id = "sw1.dc1";
  a.endpoint = "10.0.0.1";
  a.plugin = "discovery";
  a.metadata = {{"os", "junos 21"}, {"model", "qfx5100"}};
  panoptes::Resource b;
  b.site = "DC2";
  b.id = "h\xc3\xa9llo_%";
  b.metadata = {{"os", ""}};
  return {a, b, panoptes::Resource{}};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using panoptes::fuzz::Check;
  std::string_view expr(reinterpret_cast<const char*>(data), size);
  auto filter = panoptes::resources::ParseFilter(expr);
  if (!filter.ok()) {
    Check(panoptes::fuzz::StartsWith(filter.status().message(), "column "),
          "a syntax error gives the column");
    return 0;
  }
  std::string canonical = filter->ToString();
  auto again = panoptes::resources::ParseFilter(canonical);
  Check(again.ok(), "the canonical form parses");
  Check(again->ToString() == canonical, "the canonical form is a fixed point");
  static const std::vector<panoptes::Resource> samples = Samples();
  for (const auto& r : samples)
    Check(filter->Matches(r) == again->Matches(r), "same verdict after reprinting");
  return 0;
}
