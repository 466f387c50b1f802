// RESP2 reply parsing (redis::ParseReply, the conversion the client uses on every reply) on
// arbitrary bytes: never crashes; an error reply's classification (IsUnavailableError) and its
// Status agree.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>

#include "fuzz_check.h"
#include "redis/reply.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using panoptes::fuzz::Check;
  namespace redis = panoptes::redis;
  auto reply = redis::ParseReply(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!reply.ok()) return 0;
  std::function<void(const redis::Reply&)> visit = [&](const redis::Reply& r) {
    panoptes::Status st = redis::ErrorReplyStatus(r, "fuzz");
    Check(st.ok() == !r.IsError(), "only error replies give an error status");
    if (r.IsError()) {
      bool unavailable = st.code() == panoptes::StatusCode::kUnavailable;
      Check(unavailable == r.IsUnavailableError(), "the status code follows the classification");
    }
    for (const auto& e : r.elements) visit(e);
  };
  visit(*reply);
  return 0;
}
