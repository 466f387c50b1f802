#include "agent/zygote_link.h"

#include <signal.h>

#include <algorithm>
#include <cstring>
#include <utility>  // before Asio: boost 1.74 awaitable.hpp needs std::exchange

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "core/logging.h"

namespace panoptes::agent {

namespace asio = boost::asio;

ZygoteLink::ZygoteLink(asio::io_context& io, Board& board, Hooks hooks)
    : io_(io), board_(board), hooks_(std::move(hooks)), restart_(io) {}

ZygoteLink::~ZygoteLink() = default;  // closing the socket ends the zygote

void ZygoteLink::Start() {
  if (stopped_ || pid_ > 0) return;
  auto log = core::Logger("agent");
  auto pair = process::MakeSocketPair();
  if (!pair.ok()) {
    log->error("cannot start the zygote: {}", pair.status().ToString());
    return ScheduleStart(1000);
  }
  auto pid = hooks_.start(pair->second.get());
  pair->second.Reset();
  if (!pid.ok()) {
    log->error("cannot start the zygote: {}", pid.status().ToString());
    return ScheduleStart(1000);
  }
  pid_ = *pid;
  started_at_ = std::chrono::steady_clock::now();
  socket_ = std::make_unique<asio::posix::stream_descriptor>(io_, pair->first.Release());
  log->info("zygote started (pid {})", pid_);
  ReadReply();
  std::deque<Pending> unsent = std::move(unsent_);
  unsent_.clear();
  for (const Pending& p : unsent) {
    pid_t forked = board_.slot(p.board_index).pid.load(std::memory_order_acquire);
    if (forked > 0) {
      hooks_.started(p.board_index, forked);  // the dead zygote forked it after all
    } else {
      Send(p);
    }
  }
}

void ZygoteLink::Request(size_t board_index, PluginKind kind, const std::string& worker_id) {
  Pending p{board_index, kind, worker_id};
  if (stopped_) return hooks_.started(board_index, -ECANCELED);
  if (pid_ < 0) {
    unsent_.push_back(std::move(p));
    return;
  }
  Send(p);
}

// Asynchronous, one record after the other: the zygote reads requests only once it has imported
// the plugins (a module may take its time at import), and the supervisor's loop must not wait for
// it. A request counts as sent (settled at the zygote's death) from the moment it is queued here.
void ZygoteLink::Send(const Pending& p) {
  SpawnRequest request;
  request.board_index = static_cast<uint32_t>(p.board_index);
  request.kind = static_cast<uint32_t>(KindIndex(p.kind));
  std::strncpy(request.worker_id, p.worker_id.c_str(), kWorkerIdMax - 1);
  sent_.push_back(p);
  outbox_.push_back(request);
  if (outbox_.size() == 1) WriteNext();
}

void ZygoteLink::WriteNext() {
  asio::async_write(*socket_, asio::buffer(&outbox_.front(), sizeof(SpawnRequest)),
                    [this, socket = socket_.get()](boost::system::error_code ec, size_t) {
                      if (socket != socket_.get()) return;  // that zygote is gone (outbox_ cleared)
                      if (ec) {
                        core::Logger("agent")->warn("zygote: cannot send a request: {}", ec.message());
                        return;  // it is dying: its exit settles the requests
                      }
                      outbox_.pop_front();
                      if (!outbox_.empty()) WriteNext();
                    });
}

void ZygoteLink::ReadReply() {
  asio::async_read(*socket_, asio::buffer(&reply_, sizeof(reply_)),
                   [this, socket = socket_.get()](boost::system::error_code ec, size_t) {
                     if (ec || socket != socket_.get()) return;  // closed: its exit settles the rest
                     auto it = std::find_if(sent_.begin(), sent_.end(), [this](const Pending& p) {
                       return p.board_index == reply_.board_index;
                     });
                     if (it != sent_.end()) {
                       sent_.erase(it);
                       hooks_.started(reply_.board_index, reply_.pid);
                     }
                     ReadReply();
                   });
}

void ZygoteLink::Forget(size_t board_index) {
  auto match = [board_index](const Pending& p) { return p.board_index == board_index; };
  sent_.erase(std::remove_if(sent_.begin(), sent_.end(), match), sent_.end());
  unsent_.erase(std::remove_if(unsent_.begin(), unsent_.end(), match), unsent_.end());
}

bool ZygoteLink::OnExit(const process::ExitInfo& info) {
  if (info.pid != pid_ || pid_ < 0) return false;
  auto log = core::Logger("agent");
  pid_ = -1;
  socket_.reset();
  outbox_.clear();
  board_.shared().watching.store(0, std::memory_order_relaxed);
  std::deque<Pending> sent = std::move(sent_);
  sent_.clear();
  for (const Pending& p : sent) {
    pid_t forked = board_.slot(p.board_index).pid.load(std::memory_order_acquire);
    if (forked > 0) {
      hooks_.started(p.board_index, forked);
    } else if (stopped_) {
      hooks_.started(p.board_index, -ECANCELED);
    } else {
      unsent_.push_back(p);
    }
  }
  if (stopped_) return true;
  bool early = std::chrono::steady_clock::now() - started_at_ < std::chrono::seconds(5);
  quick_deaths_ = replacing_ ? 0 : (early ? quick_deaths_ + 1 : 0);
  int delay_ms = quick_deaths_ <= 1 ? 0 : std::min(10000, 100 << std::min(quick_deaths_ - 2, 7));
  if (replacing_) {
    log->info("zygote (pid {}) replaced", info.pid);
  } else {
    log->error("zygote (pid {}) died: {}; restarting it in {} ms (the workers keep running)", info.pid,
               info.Describe(), delay_ms);
  }
  replacing_ = false;
  ++restarts_;
  ScheduleStart(delay_ms);
  return true;
}

void ZygoteLink::Restart() {
  if (stopped_) return;
  if (pid_ < 0) {
    restart_.cancel();
    return Start();
  }
  replacing_ = true;
  (void)process::SendSignal(pid_, SIGKILL);
}

std::vector<size_t> ZygoteLink::Stop() {
  stopped_ = true;
  restart_.cancel();
  std::vector<size_t> dropped;
  for (const Pending& p : unsent_) dropped.push_back(p.board_index);
  unsent_.clear();
  return dropped;
}

void ZygoteLink::ScheduleStart(int delay_ms) {
  restart_.expires_after(std::chrono::milliseconds(delay_ms));
  restart_.async_wait([this](boost::system::error_code ec) {
    if (!ec) Start();
  });
}

}  // namespace panoptes::agent
