#include "agent/board.h"

#include <sys/mman.h>
#include <time.h>

#include <cerrno>
#include <cstring>
#include <new>

#include "http/metrics.h"

namespace panoptes::agent {
namespace {

void Observe(BoardHistogram& h, double v) {
  const std::vector<double>& bounds = BoardBucketBounds();
  size_t i = 0;
  while (i < bounds.size() && v > bounds[i]) ++i;
  h.buckets[i].fetch_add(1, std::memory_order_relaxed);
  h.sum_us.fetch_add(static_cast<uint64_t>(v > 0 ? v * 1e6 : 0), std::memory_order_relaxed);
}

}  // namespace

const std::vector<double>& BoardBucketBounds() {
  static const std::vector<double> bounds = [] {
    std::vector<double> b = http::DurationBuckets();
    if (b.size() + 1 > kBoardBuckets) b.resize(kBoardBuckets - 1);
    return b;
  }();
  return bounds;
}

int64_t MonotonicMs() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<int64_t>(t.tv_sec) * 1000 + t.tv_nsec / 1'000'000;
}

void BeginRun(BoardSlot& slot, std::string_view task_id, int64_t time_limit_ms) {
  for (size_t w = 0; w < kTaskIdWords; ++w) {
    uint64_t word = 0;
    size_t at = w * sizeof(word);
    if (at < task_id.size())
      std::memcpy(&word, task_id.data() + at, std::min(sizeof(word), task_id.size() - at));
    slot.task_id[w].store(word, std::memory_order_relaxed);
  }
  slot.time_limit_ms.store(time_limit_ms, std::memory_order_relaxed);
  slot.run_started_ms.store(MonotonicMs(), std::memory_order_relaxed);
  slot.run_seq.fetch_add(1, std::memory_order_release);  // now odd
}

void EndRun(BoardSlot& slot, std::string_view outcome, double duration_s, double lateness_s) {
  slot.run_seq.fetch_add(1, std::memory_order_release);  // now even
  Count(slot.executed, IndexOf(kRunOutcomes, outcome));
  Observe(slot.duration, duration_s);
  Observe(slot.lateness, lateness_s);
}

std::string ReadTaskId(const BoardSlot& slot) {
  std::string id(kTaskIdWords * sizeof(uint64_t), '\0');
  for (size_t w = 0; w < kTaskIdWords; ++w) {
    uint64_t word = slot.task_id[w].load(std::memory_order_relaxed);
    std::memcpy(id.data() + w * sizeof(word), &word, sizeof(word));
  }
  id.resize(std::strlen(id.c_str()));
  return id;
}

namespace {
static_assert(sizeof(BoardShared) % alignof(BoardSlot) == 0, "the slots follow the shared part, aligned");
size_t MappedBytes(size_t n) {
  return sizeof(BoardShared) + sizeof(BoardSlot) * n;
}
}  // namespace

Result<std::unique_ptr<Board>> Board::Create(size_t n) {
  void* mem = mmap(nullptr, MappedBytes(n), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) return Status::IOError(std::string("worker board: mmap: ") + std::strerror(errno));
  auto* shared = new (mem) BoardShared();
  auto* slots = reinterpret_cast<BoardSlot*>(static_cast<char*>(mem) + sizeof(BoardShared));
  for (size_t i = 0; i < n; ++i) new (&slots[i]) BoardSlot();
  return std::unique_ptr<Board>(new Board(shared, slots, n));
}

Board::~Board() {
  munmap(shared_, MappedBytes(n_));
}

void Board::Reset(size_t i) {
  slots_[i].~BoardSlot();
  new (&slots_[i]) BoardSlot();
}

}  // namespace panoptes::agent
