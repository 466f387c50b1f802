#include "redis/reply.h"

#include <algorithm>
#include <array>

#include "redis/hiredis_util.h"

namespace panoptes::redis {

bool IsUnavailableError(std::string_view error_text) {
  static constexpr std::array<std::string_view, 7> kCodes = {"LOADING", "READONLY",  "MASTERDOWN", "TRYAGAIN",
                                                             "BUSY",    "UNBLOCKED", "NOREPLICAS"};
  std::string_view code = error_text.substr(0, error_text.find(' '));
  return std::find(kCodes.begin(), kCodes.end(), code) != kCodes.end();
}

Status ErrorReplyStatus(const Reply& reply, std::string_view context) {
  if (!reply.IsError()) return Status::Ok();
  std::string message = std::string(context) + ": " + reply.str;
  if (IsUnavailableError(reply.str)) return Status::Unavailable(std::move(message));
  return Status::RedisError(std::move(message));
}
namespace detail {

void ConvertInto(const redisReply* r, Reply& out) {
  switch (r->type) {
    case REDIS_REPLY_STRING:
      out.type = Reply::Type::kString;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = Reply::Type::kStatus;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = Reply::Type::kError;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = Reply::Type::kInteger;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = Reply::Type::kArray;
      out.elements.resize(r->elements);
      for (size_t i = 0; i < r->elements; ++i) ConvertInto(r->element[i], out.elements[i]);
      break;
    default: out.type = Reply::Type::kNil; break;
  }
}

}  // namespace detail

namespace {
// hiredis' own object functions, copied from a fresh reader (they are static in hiredis), so the
// capped table can defer to them for everything it lets through.
const redisReplyObjectFunctions& DefaultFunctions() {
  static const redisReplyObjectFunctions functions = [] {
    redisReader* probe = redisReaderCreate();
    redisReplyObjectFunctions copy = *probe->fn;
    redisReaderFree(probe);
    return copy;
  }();
  return functions;
}

void* CreateCappedArray(const redisReadTask* task, int elements) {
  if (elements > detail::kMaxAggregateElements) return nullptr;
  return DefaultFunctions().createArray(task, elements);
}

const redisReplyObjectFunctions& CappedFunctions() {
  static const redisReplyObjectFunctions functions = [] {
    redisReplyObjectFunctions copy = DefaultFunctions();
    copy.createArray = CreateCappedArray;
    return copy;
  }();
  return functions;
}

struct ReaderDeleter {
  void operator()(redisReader* r) const { redisReaderFree(r); }
};
}  // namespace

namespace detail {
void CapAggregates(redisReader* reader) {
  // hiredis only reads through fn; the table outlives every reader.
  reader->fn = const_cast<redisReplyObjectFunctions*>(&CappedFunctions());
}

}  // namespace detail

Result<Reply> ParseReply(std::string_view resp) {
  std::unique_ptr<redisReader, ReaderDeleter> reader(redisReaderCreate());
  if (!reader) return Status::Internal("cannot allocate a RESP reader");
  detail::CapAggregates(reader.get());
  if (redisReaderFeed(reader.get(), resp.data(), resp.size()) != REDIS_OK) {
    return Status::InvalidArgument("RESP: cannot buffer input");
  }
  void* raw = nullptr;
  if (redisReaderGetReply(reader.get(), &raw) != REDIS_OK) {
    return Status::InvalidArgument(std::string("RESP: ") + reader->errstr);
  }
  if (raw == nullptr) return Status::InvalidArgument("RESP: incomplete reply");
  detail::ReplyPtr first(static_cast<redisReply*>(raw));
  void* extra = nullptr;
  if (redisReaderGetReply(reader.get(), &extra) != REDIS_OK || extra != nullptr) {
    if (extra != nullptr) freeReplyObject(extra);
    return Status::InvalidArgument("RESP: trailing bytes after the first reply");
  }
  if (reader->pos < reader->len) return Status::InvalidArgument("RESP: trailing bytes after the first reply");
  Reply out;
  detail::ConvertInto(first.get(), out);
  return out;
}

}  // namespace panoptes::redis
