#include "scheduler/validator.h"

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <fcntl.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include "config/plugin_file.h"
#include "process/process.h"

namespace panoptes::scheduler {
namespace {

using Clock = std::chrono::steady_clock;

bool WriteAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string Unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      out += s[i + 1] == 'n' ? '\n' : s[i + 1];
      ++i;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Buffered line reads from a descriptor with a deadline.
class LineReader {
 public:
  explicit LineReader(int fd) : fd_(fd) {}
  enum class Outcome { kLine, kEof, kTimeout };
  // Without a deadline, waits as long as it takes.
  Outcome Read(std::string& line, std::optional<Clock::time_point> deadline = std::nullopt) {
    while (true) {
      size_t nl = buffer_.find('\n');
      if (nl != std::string::npos) {
        line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return Outcome::kLine;
      }
      int wait_ms = -1;
      if (deadline) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - Clock::now()).count();
        if (left <= 0) return Outcome::kTimeout;
        wait_ms = static_cast<int>(left);
      }
      pollfd p{fd_, POLLIN, 0};
      int ready = poll(&p, 1, wait_ms);
      if (ready < 0 && errno == EINTR) continue;
      if (ready == 0) return Outcome::kTimeout;
      char chunk[4096];
      ssize_t n = read(fd_, chunk, sizeof(chunk));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return Outcome::kEof;
      buffer_.append(chunk, static_cast<size_t>(n));
    }
  }

 private:
  int fd_;
  std::string buffer_;
};

struct Request {
  PluginKind kind;
  std::string file;
};

std::string ResultLine(const Status& status) {
  return status.ok() ? "OK\n" : "ERR\t" + Escape(status.message()) + "\n";
}

// In the batch child: init once, then check each plugin from `first` on, one line each.
[[noreturn]] void RunChild(const ValidatorHooks& hooks, const std::vector<Request>& batch, size_t first,
                           int out) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  Status init = hooks.init ? hooks.init() : Status::Ok();
  for (size_t i = first; i < batch.size(); ++i) {
    Status st = init;
    if (st.ok()) {
      auto info = config::LoadPluginFile(batch[i].file, batch[i].kind);
      st = info.ok() ? hooks.check(*info) : info.status();
    }
    if (!WriteAll(out, ResultLine(st))) break;
  }
  _exit(0);
}

std::string DescribeDeath(pid_t pid, std::chrono::seconds timeout, bool timed_out) {
  if (timed_out) (void)process::SendSignal(pid, SIGKILL);
  std::optional<process::ExitInfo> exit = process::WaitFor(pid, 10000);
  if (timed_out) {
    return "import did not finish within " + std::to_string(timeout.count()) +
           " s (import_timeout_s); killed";
  }
  if (!exit) return "the import child stopped answering";
  if (exit->signaled) return "the import crashed the process: " + exit->Describe();
  return "the import ended the process: " + exit->Describe();
}

// In the helper: validates one batch, forking a fresh child after each crash or timeout.
void ServeBatch(const ValidatorHooks& hooks, std::chrono::seconds timeout, const std::vector<Request>& batch,
                int parent) {
  size_t next = 0;
  while (next < batch.size()) {
    auto channel = process::MakeSocketPair();
    auto pid = channel.ok() ? process::Fork() : Result<pid_t>(channel.status());
    if (!pid.ok()) {
      WriteAll(parent, ResultLine(pid.status()));
      ++next;
      continue;
    }
    if (*pid == 0) {
      channel->first.Reset();
      close(parent);
      RunChild(hooks, batch, next, channel->second.get());
    }
    channel->second.Reset();
    int result_fd = channel->first.get();
    LineReader reader(result_fd);
    std::string line;
    LineReader::Outcome outcome = LineReader::Outcome::kEof;
    while (next < batch.size() &&
           (outcome = reader.Read(line, Clock::now() + timeout)) == LineReader::Outcome::kLine) {
      WriteAll(parent, line + "\n");
      ++next;
    }
    channel->first.Reset();
    if (next < batch.size()) {
      std::string why = DescribeDeath(*pid, timeout, outcome == LineReader::Outcome::kTimeout);
      WriteAll(parent, ResultLine(Status::InvalidArgument(why)));
      ++next;
    } else {
      process::WaitFor(*pid, 10000);
    }
  }
}

[[noreturn]] void RunHelper(const ValidatorHooks& hooks, std::chrono::seconds timeout, int parent) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  // Terminal signals are for the scheduler; the helper ends when the scheduler closes the socket.
  signal(SIGINT, SIG_IGN);
  signal(SIGTERM, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  LineReader reader(parent);
  std::vector<Request> batch;
  std::string line;
  while (reader.Read(line) == LineReader::Outcome::kLine) {
    if (!line.empty()) {
      size_t tab = line.find('\t');
      auto kind = ParseKind(line.substr(0, tab));
      batch.push_back({kind.value_or(PluginKind::kPolling), line.substr(tab + 1)});
      continue;
    }
    ServeBatch(hooks, timeout, batch, parent);
    batch.clear();
  }
  _exit(0);
}

}  // namespace

Result<std::unique_ptr<CodeValidator>> CodeValidator::Start(ValidatorHooks hooks,
                                                            std::chrono::seconds timeout) {
  auto channel = process::MakeSocketPair();
  if (!channel.ok()) return channel.status();
  auto pid = process::Fork();
  if (!pid.ok()) return pid.status();
  if (*pid == 0) {
    channel->first.Reset();
    RunHelper(hooks, timeout, channel->second.get());
  }
  return std::unique_ptr<CodeValidator>(new CodeValidator(channel->first.Release(), *pid));
}

CodeValidator::~CodeValidator() {
  close(fd_);
  // The helper exits on EOF; a helper stuck in a batch is killed.
  if (!process::WaitFor(pid_, 1000)) {
    (void)process::SendSignal(pid_, SIGKILL);
    process::WaitFor(pid_, 5000);
  }
}

std::vector<Status> CodeValidator::Validate(const std::vector<PluginInfo>& plugins) {
  std::lock_guard lock(mu_);
  std::vector<Status> out(plugins.size());
  std::vector<size_t> todo;
  std::string request;
  for (size_t i = 0; i < plugins.size(); ++i) {
    const PluginInfo& p = plugins[i];
    auto it = cache_.find({p.file, p.module_path, p.file_mtime_ns, p.module_mtime_ns});
    if (it != cache_.end()) {
      out[i] = it->second;
      continue;
    }
    todo.push_back(i);
    request += std::string(KindName(p.kind)) + "\t" + p.file + "\n";
  }
  if (todo.empty()) return out;
  imports_ += todo.size();
  if (!WriteAll(fd_, request + "\n")) {
    for (size_t i : todo)
      out[i] = Status::Internal("the code validator helper is gone; plugin not validated");
    return out;
  }
  LineReader reader(fd_);
  for (size_t i : todo) {
    std::string line;
    if (reader.Read(line) != LineReader::Outcome::kLine) {
      out[i] = Status::Internal("the code validator helper is gone; plugin not validated");
      continue;
    }
    out[i] =
        line == "OK" ? Status::Ok() : Status::InvalidArgument(Unescape(line.substr(line.find('\t') + 1)));
    const PluginInfo& p = plugins[i];
    cache_[{p.file, p.module_path, p.file_mtime_ns, p.module_mtime_ns}] = out[i];
  }
  return out;
}

}  // namespace panoptes::scheduler
