#include "scheduler/validator.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string_view>

#include "config/plugin_file.h"
#include "core/logging.h"

namespace panoptes::scheduler {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr std::string_view kHelperFlag = "--validator-helper";
constexpr std::string_view kReady = "READY";
// How long a new helper may take to exec and say READY.
constexpr std::chrono::seconds kStartTimeout{10};
// Beyond the import timeout, what the helper may need per result (killing and reaping a child,
// forking the next one) before the validator gives it up as wedged.
constexpr std::chrono::seconds kAnswerSlack{15};

std::shared_ptr<spdlog::logger> Log() {
  return core::Logger("scheduler");
}

// Every descriptor written here is a socket: MSG_NOSIGNAL turns a gone peer into EPIPE instead of
// a SIGPIPE that would kill the scheduler.
bool WriteAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
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
      // The scan that produced the request applied the site's file checks already.
      auto info = config::LoadPluginFile(batch[i].file, batch[i].kind, {.permissions = false});
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

// In the helper: reads batches (one "<kind>\t<file>" line per plugin, an empty line ends a batch)
// until the validator closes the socket.
void ServeRequests(const ValidatorHooks& hooks, std::chrono::seconds timeout, int parent) {
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
}

struct Invocation {
  int fd = -1;
  pid_t parent = -1;
  std::chrono::seconds timeout{0};
  std::vector<std::string> hook_args;
};

std::optional<long> ParseNumber(const char* text) {
  char* end = nullptr;
  errno = 0;
  long value = std::strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || value < 0) return std::nullopt;
  return value;
}

// argv: <name> --validator-helper <fd> <parent pid> <timeout s> [hook args...]
std::optional<Invocation> ParseInvocation(int argc, char** argv) {
  if (argc < 5) return std::nullopt;
  auto fd = ParseNumber(argv[2]);
  auto parent = ParseNumber(argv[3]);
  auto timeout = ParseNumber(argv[4]);
  if (!fd || !parent || !timeout || *fd < 3) return std::nullopt;
  Invocation out;
  out.fd = static_cast<int>(*fd);
  out.parent = static_cast<pid_t>(*parent);
  out.timeout = std::chrono::seconds(*timeout);
  out.hook_args.assign(argv + 5, argv + argc);
  return out;
}

// In the forked child of a possibly multi-threaded process: async-signal-safe calls only.
[[noreturn]] void ExecHelper(const char* program, char* const* argv, int fd) {
  int flags = fcntl(fd, F_GETFD);
  if (flags >= 0) fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);  // the helper's end survives the exec
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  execv(program, argv);
  _exit(127);
}

}  // namespace

bool IsValidatorHelper(int argc, char** argv) {
  return argc >= 2 && argv[1] == kHelperFlag;
}

int RunValidatorHelper(int argc, char** argv, const ValidatorHooksFactory& make_hooks) {
  std::optional<Invocation> invocation = ParseInvocation(argc, argv);
  if (!invocation) {
    std::fprintf(stderr, "error: %s is for the scheduler's own use (malformed invocation)\n",
                 std::string(kHelperFlag).c_str());
    return 2;
  }
  process::CloseOtherFds(invocation->fd);
  process::ResetSignalsInChild();
  prctl(PR_SET_NAME, "code-validator");
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != invocation->parent) return 1;  // the scheduler ended before the prctl
  // Terminal signals are for the scheduler; the helper ends when the scheduler closes the socket.
  signal(SIGINT, SIG_IGN);
  signal(SIGTERM, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  ValidatorHooks hooks = make_hooks(invocation->hook_args);
  if (!WriteAll(invocation->fd, std::string(kReady) + "\n")) return 1;
  ServeRequests(hooks, invocation->timeout, invocation->fd);
  return 0;
}

Result<std::unique_ptr<CodeValidator>> CodeValidator::Start(ValidatorOptions options) {
  std::unique_ptr<CodeValidator> validator(new CodeValidator(std::move(options)));
  Status started = validator->SpawnHelper();
  if (!started.ok()) {
    validator->ReapHelper(started.message());
    return Status::IOError(validator->options_.program + ": " + validator->down_reason_);
  }
  return Result<std::unique_ptr<CodeValidator>>(std::move(validator));
}

CodeValidator::~CodeValidator() {
  pid_t pid = helper_pid_;
  fd_.Reset();
  if (pid <= 0) return;
  // The helper exits on EOF; a helper stuck in a batch is killed.
  if (!process::WaitFor(pid, 1000)) {
    (void)process::SendSignal(pid, SIGKILL);
    process::WaitFor(pid, 5000);
  }
}

// Forks and execs a helper, then waits for its READY. On failure the caller reaps it.
Status CodeValidator::SpawnHelper() {
  auto channel = process::MakeSocketPair();
  if (!channel.ok()) return channel.status();
  std::vector<std::string> args = {"panoptes-validator-helper", std::string(kHelperFlag),
                                   std::to_string(channel->second.get()), std::to_string(getpid()),
                                   std::to_string(options_.timeout.count())};
  args.insert(args.end(), options_.hook_args.begin(), options_.hook_args.end());
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  auto pid = process::Fork();
  if (!pid.ok()) return pid.status();
  if (*pid == 0) ExecHelper(options_.program.c_str(), argv.data(), channel->second.get());
  channel->second.Reset();
  fd_ = std::move(channel->first);
  helper_pid_ = *pid;
  started_at_ = Clock::now();
  LineReader reader(fd_.get());
  std::string line;
  LineReader::Outcome outcome = reader.Read(line, started_at_ + kStartTimeout);
  if (outcome == LineReader::Outcome::kLine && line == kReady) return Status::Ok();
  return Status::IOError(outcome == LineReader::Outcome::kTimeout
                             ? "did not start within " + std::to_string(kStartTimeout.count()) + " s"
                             : "exited at start");
}

// Alive while its socket shows nothing: it never writes unasked, so readable means EOF.
bool CodeValidator::HelperAlive() {
  if (!fd_.valid()) return false;
  pollfd p{fd_.get(), POLLIN, 0};
  int ready;
  do {
    ready = poll(&p, 1, 0);
  } while (ready < 0 && errno == EINTR);
  return ready == 0;
}

// Kills (if it still runs) and reaps the helper; down_reason_ then says how it ended.
void CodeValidator::ReapHelper(const std::string& how) {
  pid_t pid = helper_pid_.exchange(-1);
  fd_.Reset();
  std::string exit;
  if (pid > 0) {
    (void)process::SendSignal(pid, SIGKILL);  // a wedged helper; nothing for one already gone
    std::optional<process::ExitInfo> info = process::WaitFor(pid, 5000);
    if (info) exit = ": " + info->Describe();
  }
  down_reason_ =
      "the code validator helper" + (pid > 0 ? " (pid " + std::to_string(pid) + ")" : "") + " " + how + exit;
}

// The helper is gone or useless: reaps it, logs how it ended and when the next one may start (at
// once after a helper that lived long, else with a doubling backoff).
void CodeValidator::HelperGone(const std::string& how) {
  ReapHelper(how);
  Clock::time_point now = Clock::now();
  deaths_in_row_ = now - started_at_ >= options_.healthy_after ? 1 : deaths_in_row_ + 1;
  milliseconds delay{0};
  if (deaths_in_row_ > 1) {
    delay = options_.restart_backoff;
    for (int i = 2; i < deaths_in_row_ && delay < options_.max_restart_backoff; ++i) delay *= 2;
    delay = std::min(delay, options_.max_restart_backoff);
  }
  next_start_ = now + delay;
  if (delay.count() == 0) {
    Log()->error("{}; starting a new one", down_reason_);
  } else {
    Log()->error("{}; it keeps dying: a new one in {} ms at the earliest (at the next validation)",
                 down_reason_, delay.count());
  }
}

// True when a helper runs, replacing a dead one if the backoff allows.
bool CodeValidator::EnsureHelper() {
  if (HelperAlive()) return true;
  if (fd_.valid()) HelperGone("died");
  if (Clock::now() < next_start_) return false;
  ++restarts_;
  Status started = SpawnHelper();
  if (!started.ok()) {
    HelperGone(started.message());
    return false;
  }
  Log()->info("code validator helper restarted (pid {})", helper_pid_.load());
  return true;
}

// Sends todo[first..] as one batch and fills their results. Returns the position in `todo` of the
// first plugin left unanswered because the helper went away (todo.size() when all answered).
size_t CodeValidator::RunBatch(const std::vector<PluginInfo>& plugins, const std::vector<size_t>& todo,
                               size_t first, std::vector<Status>& out) {
  std::string request;
  for (size_t k = first; k < todo.size(); ++k) {
    const PluginInfo& p = plugins[todo[k]];
    request += std::string(KindName(p.kind)) + "\t" + p.file + "\n";
  }
  imports_ += todo.size() - first;
  if (!WriteAll(fd_.get(), request + "\n")) {
    HelperGone(std::string("refused a batch: ") + std::strerror(errno));
    return first;
  }
  LineReader reader(fd_.get());
  auto patience = options_.timeout + kAnswerSlack;
  for (size_t k = first; k < todo.size(); ++k) {
    std::string line;
    LineReader::Outcome outcome = reader.Read(line, Clock::now() + patience);
    if (outcome != LineReader::Outcome::kLine) {
      HelperGone(outcome == LineReader::Outcome::kTimeout
                     ? "gave no answer within " + std::to_string(patience.count()) + " s"
                     : "went away during a batch");
      return k;
    }
    const PluginInfo& p = plugins[todo[k]];
    out[todo[k]] =
        line == "OK" ? Status::Ok() : Status::InvalidArgument(Unescape(line.substr(line.find('\t') + 1)));
    cache_[{p.file, p.module_path, p.file_mtime_ns, p.module_mtime_ns}] = out[todo[k]];
  }
  return todo.size();
}

std::vector<Status> CodeValidator::Validate(const std::vector<PluginInfo>& plugins) {
  std::lock_guard lock(mu_);
  std::vector<Status> out(plugins.size());
  std::vector<size_t> todo;
  for (size_t i = 0; i < plugins.size(); ++i) {
    const PluginInfo& p = plugins[i];
    auto it = cache_.find({p.file, p.module_path, p.file_mtime_ns, p.module_mtime_ns});
    if (it != cache_.end()) {
      out[i] = it->second;
    } else {
      todo.push_back(i);
    }
  }
  bool ready = EnsureHelper();  // also when all is cached: a dead helper is replaced early
  size_t done = 0;
  // A batch whose helper went away is given once more to a new helper.
  for (int attempt = 0; ready && done < todo.size() && attempt < 2; ++attempt) {
    done = RunBatch(plugins, todo, done, out);
    if (done < todo.size()) ready = EnsureHelper();
  }
  for (size_t k = done; k < todo.size(); ++k) {
    out[todo[k]] = Status::Unavailable("code not validated: " + down_reason_ +
                                       "; the plugin is validated again at a later scan");
  }
  return out;
}

}  // namespace panoptes::scheduler
