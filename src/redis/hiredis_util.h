#pragma once
// Private to src/redis: the hiredis glue shared by the client and the reply conversion. This is the
// only header that includes hiredis; include it from src/redis/*.cpp only. Stateless helpers,
// thread-safe; a redisContext itself belongs to one thread.

#include <hiredis/hiredis.h>

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "redis/client.h"

namespace panoptes::redis::detail {

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

struct ContextDeleter {
  void operator()(redisContext* c) const { redisFree(c); }
};
using ContextPtr = std::unique_ptr<redisContext, ContextDeleter>;

// The most elements one RESP aggregate may declare. hiredis 0.14 allocates the element array when
// it reads the header, before any element arrives, so a header such as "*466666666" from a broken
// or hostile peer would cost gigabytes at once (found by the redis_reply fuzz target). No reply of
// ours comes near: the largest are batched reads of the schedule and the resource store.
inline constexpr int kMaxAggregateElements = 1 << 24;

// Makes `reader` refuse aggregates over kMaxAggregateElements: its reply is an error
// ("Out of memory", hiredis' only error for a refused object) instead of the allocation.
void CapAggregates(redisReader* reader);

// Copies a hiredis reply (recursively) into `out`, which must be default-constructed.
void ConvertInto(const redisReply* r, Reply& out);

// The argv/argvlen arrays hiredis wants, kept on the stack for commands of up to kInline
// arguments (every hot-path command), on the heap beyond. Points into the caller's strings: they
// must outlive the buffer.
class ArgvBuffer {
 public:
  ArgvBuffer() = default;
  ArgvBuffer(const ArgvBuffer&) = delete;
  ArgvBuffer& operator=(const ArgvBuffer&) = delete;

  void Add(std::string_view s) {
    if (size_ == kInline) Spill();
    if (size_ < kInline) {
      inline_ptrs_[size_] = s.data();
      inline_lens_[size_] = s.size();
    } else {
      heap_ptrs_.push_back(s.data());
      heap_lens_.push_back(s.size());
    }
    ++size_;
  }
  void Add(const Args& args) {
    for (const std::string& a : args) Add(a);
  }
  void Clear() {
    size_ = 0;
    heap_ptrs_.clear();
    heap_lens_.clear();
  }
  int argc() const { return static_cast<int>(size_); }
  const char** argv() { return size_ <= kInline ? inline_ptrs_.data() : heap_ptrs_.data(); }
  const size_t* lens() const { return size_ <= kInline ? inline_lens_.data() : heap_lens_.data(); }
  // The first argument (the command name), for error messages.
  std::string_view name() const {
    if (size_ == 0) return {};
    return size_ <= kInline ? std::string_view(inline_ptrs_[0], inline_lens_[0])
                            : std::string_view(heap_ptrs_[0], heap_lens_[0]);
  }

 private:
  static constexpr size_t kInline = 16;
  void Spill() {
    heap_ptrs_.assign(inline_ptrs_.begin(), inline_ptrs_.end());
    heap_lens_.assign(inline_lens_.begin(), inline_lens_.end());
  }

  std::array<const char*, kInline> inline_ptrs_{};
  std::array<size_t, kInline> inline_lens_{};
  std::vector<const char*> heap_ptrs_;
  std::vector<size_t> heap_lens_;
  size_t size_ = 0;
};

}  // namespace panoptes::redis::detail
