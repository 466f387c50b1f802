#include "process/process.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace panoptes::process {
namespace {

std::string Errno(const std::string& what) {
  return what + ": " + strerror(errno);
}

ExitInfo FromWaitStatus(pid_t pid, int status) {
  ExitInfo info;
  info.pid = pid;
  if (WIFEXITED(status)) {
    info.exited = true;
    info.code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    info.signaled = true;
    info.signal = WTERMSIG(status);
    info.core_dumped = WCOREDUMP(status);
  }
  return info;
}

}  // namespace

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) Reset(other.Release());
  return *this;
}

int UniqueFd::Release() {
  int fd = fd_;
  fd_ = -1;
  return fd;
}

void UniqueFd::Reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

Result<SocketPair> MakeSocketPair() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    return Status::IOError(Errno("socketpair"));
  }
  return SocketPair{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

Result<pid_t> Fork() {
  pid_t pid = ::fork();
  if (pid < 0) return Status::IOError(Errno("fork"));
  return pid;
}

Result<pid_t> ForkSibling() {
  // The raw syscall returns in the child like fork() does: the stack is copied, not shared.
  long pid = ::syscall(SYS_clone, CLONE_PARENT | SIGCHLD, nullptr, nullptr, nullptr, 0L);
  if (pid < 0) return Status::IOError(Errno("clone(CLONE_PARENT)"));
  return static_cast<pid_t>(pid);
}

void ResetSignalsInChild() {
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGPIPE, SIGUSR1, SIGUSR2, SIGQUIT, SIGALRM}) {
    ::signal(sig, SIG_DFL);
  }
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
}

void CloseOtherFds(int keep) {
  std::vector<int> fds;
  if (DIR* dir = ::opendir("/proc/self/fd")) {
    while (dirent* e = ::readdir(dir)) {
      int fd = std::atoi(e->d_name);
      if (e->d_name[0] != '.' && fd >= 3 && fd != keep && fd != ::dirfd(dir)) fds.push_back(fd);
    }
    ::closedir(dir);
  }
  for (int fd : fds) ::close(fd);
}

Result<pid_t> Spawn(const std::vector<std::string>& argv, const std::string& stderr_path) {
  if (argv.empty()) return Status::InvalidArgument("Spawn: empty argv");
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  auto pid = Fork();
  if (!pid.ok()) return pid.status();
  if (*pid == 0) {
    ResetSignalsInChild();
    if (!stderr_path.empty()) {
      int fd = ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) {
        ::dup2(fd, STDOUT_FILENO);
        ::dup2(fd, STDERR_FILENO);
        ::close(fd);
      }
    }
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  return *pid;
}

Status SendSignal(pid_t pid, int sig) {
  if (pid <= 0) return Status::InvalidArgument("SendSignal: bad pid " + std::to_string(pid));
  if (::kill(pid, sig) != 0) {
    if (errno == ESRCH) return Status::NotFound("process " + std::to_string(pid) + " does not exist");
    return Status::IOError(Errno("kill(" + std::to_string(pid) + ")"));
  }
  return Status::Ok();
}

std::string ExitInfo::Describe() const {
  if (exited) return "exit code " + std::to_string(code);
  if (signaled) {
    std::string s = "signal " + std::to_string(signal) + " (" + strsignal(signal) + ")";
    if (core_dumped) s += ", core dumped";
    return s;
  }
  return "unknown exit";
}

Result<std::optional<ExitInfo>> TryWait(pid_t pid) {
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid, &status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r < 0) return Status::IOError(Errno("waitpid(" + std::to_string(pid) + ")"));
  if (r == 0) return std::optional<ExitInfo>();
  return std::optional<ExitInfo>(FromWaitStatus(r, status));
}

std::vector<ExitInfo> ReapExited() {
  std::vector<ExitInfo> out;
  for (;;) {
    int status = 0;
    pid_t r = ::waitpid(-1, &status, WNOHANG);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    out.push_back(FromWaitStatus(r, status));
  }
  return out;
}

std::optional<ExitInfo> WaitFor(pid_t pid, int timeout_ms) {
  timespec pause{0, 2'000'000};
  for (int waited = 0;; waited += 2) {
    auto r = TryWait(pid);
    if (!r.ok()) return std::nullopt;
    if (r->has_value()) return **r;
    if (waited >= timeout_ms) return std::nullopt;
    ::nanosleep(&pause, nullptr);
  }
}

Result<int64_t> RssBytes(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/statm");
  int64_t size = 0, resident = 0;
  if (!(in >> size >> resident)) return Status::NotFound("no /proc/" + std::to_string(pid) + "/statm");
  return resident * static_cast<int64_t>(::sysconf(_SC_PAGESIZE));
}

}  // namespace panoptes::process
