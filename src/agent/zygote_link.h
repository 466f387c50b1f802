#pragma once
// The supervisor's side of the worker zygote (zygote.h): starts it, asks it for workers, hears its
// answers, and restarts it when it dies (at once the first time, then with a backoff up to 10 s
// while it keeps dying within 5 s). Running workers are not its children and go on serving while
// it is down; requests made meanwhile wait for the next zygote.
//
// A request the dead zygote had not answered is settled through the worker board: if the slot
// holds a pid the worker was forked (and is the supervisor's child: adopted), otherwise it is asked
// again of the next zygote.
// Single-threaded, on the supervisor's io_context (Boost.Asio).

#include <sys/types.h>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "agent/board.h"
#include "agent/zygote.h"
#include "process/process.h"

namespace panoptes::agent {

class ZygoteLink {
 public:
  struct Hooks {
    // Forks the zygote process, which serves `fd` (its end of the socket pair); the child never
    // returns. The caller closes its copy of `fd` afterwards.
    std::function<Result<pid_t>(int fd)> start;
    // A requested worker started (pid > 0) or could not be forked (pid < 0).
    std::function<void(size_t board_index, pid_t pid)> started;
  };
  ZygoteLink(boost::asio::io_context& io, Board& board, Hooks hooks);
  ~ZygoteLink();
  ZygoteLink(const ZygoteLink&) = delete;
  ZygoteLink& operator=(const ZygoteLink&) = delete;

  void Start();
  // Asks for a worker in board slot `board_index` (REQUIRES: the slot was reset).
  void Request(size_t board_index, PluginKind kind, const std::string& worker_id);
  // Forgets the request for slot `board_index` (the supervisor found the worker by its pid).
  void Forget(size_t board_index);
  // A child exited: true when it was the zygote (then it restarts, and settles its requests).
  bool OnExit(const process::ExitInfo& info);
  // A new zygote (the site config changed): the running one is killed and replaced at once.
  void Restart();
  // Shutdown: no more requests or restarts; requests not yet sent are dropped (returned).
  std::vector<size_t> Stop();
  pid_t pid() const { return pid_; }
  uint64_t restarts() const { return restarts_; }

 private:
  struct Pending {
    size_t board_index;
    PluginKind kind;
    std::string worker_id;
  };
  void Send(const Pending& p);
  void WriteNext();
  void ReadReply();
  void ScheduleStart(int delay_ms);

  boost::asio::io_context& io_;
  Board& board_;
  Hooks hooks_;
  std::unique_ptr<boost::asio::posix::stream_descriptor> socket_;
  SpawnReply reply_{};
  boost::asio::steady_timer restart_;
  pid_t pid_ = -1;
  std::deque<Pending> unsent_;       // while no zygote runs
  std::deque<Pending> sent_;         // answered in this order
  std::deque<SpawnRequest> outbox_;  // being written, front first (a deque: the front stays put)
  std::chrono::steady_clock::time_point started_at_;
  int quick_deaths_ = 0;
  bool replacing_ = false;  // Restart(): the next death is expected
  bool stopped_ = false;
  uint64_t restarts_ = 0;
};

}  // namespace panoptes::agent
