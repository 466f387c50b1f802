#include "agent/redis_courier.h"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <array>
#include <deque>
#include <map>

#include <boost/asio.hpp>

#include "core/logging.h"

namespace panoptes::agent {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

struct RedisCourier::State : std::enable_shared_from_this<State> {
  State(asio::io_context& io, RedisConfig r, redis::MasterSignal* s)
      : io(io), redis(std::move(r)), master_signal(s), socket(io), restart(io) {}

  struct Entry {
    CourierJob job;
    Done done;
    Clock::time_point since;
  };

  asio::io_context& io;
  RedisConfig redis;
  redis::MasterSignal* master_signal;
  asio::posix::stream_descriptor socket;
  asio::steady_timer restart;
  pid_t pid = -1;
  uint64_t generation = 0;  // of the socket: handlers of a previous one do nothing
  Clock::time_point started_at;
  uint64_t next_id = 1;
  std::map<uint64_t, Entry> pending;  // by id: submission order
  std::deque<std::string> out;        // frames not yet written
  bool writing = false;
  std::array<char, 4096> in{};
  FrameReader reader;
  bool closed = false;

  Status Start();
  void Read();
  void OnBytes(size_t n);
  void Send(std::string frame);
  void WriteNext();
  void Restart();
};

Status RedisCourier::State::Start() {
  auto pair = process::MakeSocketPair();
  if (!pair.ok()) return pair.status();
  auto forked = process::Fork();
  if (!forked.ok()) return forked.status();
  if (*forked == 0) {
    process::ResetSignalsInChild();
    int fd = pair->second.Release();
    process::CloseOtherFds(fd);
    prctl(PR_SET_NAME, "panoptes-redis");
    redis::SetMasterSignal(master_signal);  // its own, also when restarted after another took over
    int code = RunCourier(fd, redis);
    spdlog::apply_all([](const std::shared_ptr<spdlog::logger>& l) { l->flush(); });
    _exit(code);
  }
  pid = *forked;
  ++generation;
  started_at = Clock::now();
  socket = asio::posix::stream_descriptor(io, pair->first.Release());
  reader = FrameReader();
  out.clear();
  writing = false;
  Read();
  for (const auto& [id, entry] : pending) Send(EncodeJob(entry.job));
  return Status::Ok();
}

void RedisCourier::State::Read() {
  socket.async_read_some(asio::buffer(in), [self = shared_from_this(), gen = generation](
                                               boost::system::error_code ec, size_t n) {
    // A failed read means the courier died: its SIGCHLD restarts it.
    if (ec || self->closed || self->generation != gen) return;
    self->OnBytes(n);
  });
}

void RedisCourier::State::OnBytes(size_t n) {
  reader.Feed(std::string_view(in.data(), n));
  for (;;) {
    auto frame = reader.Next();
    if (!frame.ok()) {
      core::Logger("agent")->error("{}: restarting the courier", frame.status().ToString());
      (void)process::SendSignal(pid, SIGKILL);
      return;
    }
    if (!frame->has_value()) break;
    auto reply = DecodeReply(**frame);
    if (!reply.ok()) {
      core::Logger("agent")->error("{}: restarting the courier", reply.status().ToString());
      (void)process::SendSignal(pid, SIGKILL);
      return;
    }
    auto it = pending.find(reply->id);
    if (it == pending.end()) continue;  // a job sent twice around a restart: answered already
    Done done = std::move(it->second.done);
    pending.erase(it);
    if (done) done(*reply);
  }
  Read();
}

void RedisCourier::State::Send(std::string frame) {
  out.push_back(std::move(frame));
  if (!writing) WriteNext();
}

void RedisCourier::State::WriteNext() {
  if (out.empty() || !socket.is_open()) {
    writing = false;
    return;
  }
  writing = true;
  asio::async_write(socket, asio::buffer(out.front()),
                    [self = shared_from_this(), gen = generation](boost::system::error_code ec, size_t) {
                      if (self->closed || self->generation != gen) return;
                      if (ec) {  // the courier died; the jobs are resent to its successor
                        self->out.clear();
                        self->writing = false;
                        return;
                      }
                      self->out.pop_front();
                      self->WriteNext();
                    });
}

void RedisCourier::State::Restart() {
  if (closed) return;
  Status st = Start();
  if (!st.ok()) {
    core::Logger("agent")->error("cannot start the redis courier: {}; retrying in 1 s", st.ToString());
    restart.expires_after(std::chrono::seconds(1));
    restart.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->Restart();
    });
  }
}

RedisCourier::RedisCourier(asio::io_context& io, RedisConfig redis, redis::MasterSignal* master_signal)
    : state_(std::make_shared<State>(io, std::move(redis), master_signal)) {}

RedisCourier::~RedisCourier() {
  state_->closed = true;
  state_->restart.cancel();
  boost::system::error_code ignored;
  state_->socket.close(ignored);
}

Status RedisCourier::Start() {
  return state_->Start();
}

void RedisCourier::Submit(CourierJob job, Done done) {
  job.id = state_->next_id++;
  std::string frame = EncodeJob(job);
  state_->pending.emplace(job.id, State::Entry{std::move(job), std::move(done), Clock::now()});
  if (state_->socket.is_open()) state_->Send(std::move(frame));
}

bool RedisCourier::OnExit(const process::ExitInfo& info) {
  State& s = *state_;
  if (info.pid != s.pid || s.pid < 0) return false;
  s.pid = -1;
  boost::system::error_code ignored;
  s.socket.close(ignored);
  if (s.closed) return true;
  core::Logger("agent")->warn("redis courier (pid {}) died: {}; restarting it, {} job(s) to send again",
                              info.pid, info.Describe(), s.pending.size());
  bool early = Clock::now() - s.started_at < std::chrono::seconds(1);
  s.restart.expires_after(early ? std::chrono::seconds(1) : std::chrono::seconds(0));
  s.restart.async_wait([self = state_](boost::system::error_code ec) {
    if (!ec) self->Restart();
  });
  return true;
}

size_t RedisCourier::pending() const {
  return state_->pending.size();
}

bool RedisCourier::HasPending(CourierJob::Op op, PluginKind kind) const {
  for (const auto& [id, entry] : state_->pending) {
    if (entry.job.op == op && entry.job.kind == kind) return true;
  }
  return false;
}

std::chrono::milliseconds RedisCourier::OldestPending() const {
  if (state_->pending.empty()) return std::chrono::milliseconds(0);
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() -
                                                               state_->pending.begin()->second.since);
}

const RedisConfig& RedisCourier::redis() const {
  return state_->redis;
}

redis::MasterSignal* RedisCourier::master_signal() const {
  return state_->master_signal;
}

pid_t RedisCourier::pid() const {
  return state_->pid;
}

}  // namespace panoptes::agent
