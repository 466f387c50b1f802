// Two Redis couriers of one agent, as after a SIGHUP that changes [redis] (redis_courier.h), against
// real redis-server and redis-sentinel processes: each courier's process watches the sentinels and
// writes its own MasterSignal on the board (a failover bumps each signal once, not one signal
// twice), and a closed courier stops writing its signal at once, while it still drains its jobs,
// so that the supervisor can hand that signal to a later courier.

#include <chrono>
#include <memory>
#include <utility>  // before Asio: boost 1.74 awaitable.hpp needs std::exchange

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>

#include "agent/board.h"
#include "agent/redis_courier.h"
#include "process/process.h"
#include "redis/master_watch.h"
#include "support/redis_server.h"

namespace panoptes::testing {
namespace {

using namespace std::chrono_literals;

bool Stamped(const redis::MasterSignal& s) {
  return s.fresh_ms.load(std::memory_order_acquire) > 0;
}

TEST(Integration, OldAndNewCouriersEachWriteOnlyTheirOwnMasterSignal) {
  SentinelCluster cluster(1);
  ASSERT_TRUE(cluster.Start());
  auto board = agent::Board::Create(1);
  ASSERT_TRUE(board.ok()) << board.status().ToString();
  auto& masters = (*board)->shared().masters;
  boost::asio::io_context io;

  auto old_courier = std::make_unique<agent::RedisCourier>(io, cluster.Config("old"), &masters[0]);
  ASSERT_TRUE(old_courier->Start().ok());
  ASSERT_TRUE(
      WaitUntil([&] { return Stamped(masters[0]); }, 10s, "the old courier's watch stamps its signal"));
  // [redis] changed (here the key prefix): the new courier has another signal.
  auto new_courier = std::make_unique<agent::RedisCourier>(io, cluster.Config("new"), &masters[1]);
  ASSERT_TRUE(new_courier->Start().ok());
  ASSERT_TRUE(
      WaitUntil([&] { return Stamped(masters[1]); }, 10s, "the new courier's watch stamps its signal"));
  for (size_t i = 2; i < masters.size(); ++i) EXPECT_FALSE(Stamped(masters[i])) << "signal " << i;

  // One failover, heard by both watches: each signal moves its clients once (a shared signal
  // would have been bumped twice: a needless second reconnect for every client).
  ASSERT_TRUE(cluster.Failover());
  ASSERT_TRUE(WaitUntil([&] { return masters[0].switches.load() >= 1 && masters[1].switches.load() >= 1; },
                        15s, "both watches hear +switch-master"));
  EXPECT_EQ(masters[0].epoch.load(), 1u);
  EXPECT_EQ(masters[1].epoch.load(), 1u);

  // The old courier holds a hand-back it cannot do (no Redis at all now): closed, it keeps retrying
  // for kDrainAfterCloseMs, but its watch stops at once.
  cluster.master().Kill();
  cluster.replica().Kill();
  agent::CourierJob job;
  job.op = agent::CourierJob::Op::kHandBack;
  job.kind = PluginKind::kPolling;
  job.workers = {"w1"};
  old_courier->Submit(job, nullptr);
  io.run_for(100ms);  // the frame goes out
  pid_t old_pid = old_courier->pid();
  old_courier.reset();
  // A bounded look for something that must not happen: from half a second after the close (the
  // courier reads it between retries) the old signal is not stamped again, while the new one is.
  int64_t closed_ms = redis::MonotonicMs();
  ASSERT_TRUE(WaitUntil([&] { return masters[1].fresh_ms.load() > closed_ms + 500; }, 5s,
                        "the new courier's watch stamps its signal after the close"));
  int64_t old_fresh = masters[0].fresh_ms.load();
  ASSERT_TRUE(WaitUntil(
      [&] {
        return masters[1].fresh_ms.load() > redis::MonotonicMs() - 100 &&
               redis::MonotonicMs() > closed_ms + 1500;
      },
      5s, "the new courier's watch goes on stamping its signal"));
  EXPECT_EQ(masters[0].fresh_ms.load(), old_fresh) << "the closed courier's watch stopped";
  EXPECT_LT(old_fresh, closed_ms + 500) << "it stopped when the courier read the close";
  auto still = process::TryWait(old_pid);
  EXPECT_TRUE(still.ok() && !still->has_value()) << "the closed courier still drains its hand-back";

  pid_t new_pid = new_courier->pid();
  new_courier.reset();
  EXPECT_TRUE(process::WaitFor(new_pid, 15000)) << "the new courier exits when closed";
  EXPECT_TRUE(process::WaitFor(old_pid, agent::kDrainAfterCloseMs + 5000))
      << "the old courier gives up on its hand-back and exits";
}

}  // namespace
}  // namespace panoptes::testing
