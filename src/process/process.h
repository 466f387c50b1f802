#pragma once
// The one door to process creation and control: fork, exec, sending signals, waitpid,
// socketpairs, the RSS of a pid. Nothing else in the project calls fork, exec, kill or waitpid.
// How a process receives signals (sigaction, sigtimedwait, asio::signal_set, prctl's parent-death
// signal) is set by the program that owns the process, next to the code that handles them.
//
// Thread safety: the functions are thread-safe as the syscalls are; Fork() must be called while
// the calling process is single-threaded when the child goes on to run non-trivial code (Python).

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "panoptes/status.h"

namespace panoptes::process {

// An owned file descriptor, closed on destruction. Movable, not copyable.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { Reset(); }
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.Release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  // Gives up ownership: the caller closes the returned fd.
  int Release();
  void Reset(int fd = -1);

 private:
  int fd_ = -1;
};

// A connected pair of local stream sockets (close-on-exec).
struct SocketPair {
  UniqueFd first;
  UniqueFd second;
};
Result<SocketPair> MakeSocketPair();

// fork(). Returns 0 in the child, the child's pid in the parent, kIOError on failure.
Result<pid_t> Fork();

// fork() whose child is a child of the caller's parent instead of the caller (clone with
// CLONE_PARENT): the agent's zygote forks workers that its supervisor reaps, watches (SIGCHLD,
// waitpid) and outlives the zygote with. Returns 0 in the child, the child's pid in the caller.
// REQUIRES: the caller is single-threaded and not the init of its pid namespace. It bypasses
// glibc's fork(): no pthread_atfork handlers run (the zygote registers none; Python's own fork
// hooks are run by its caller), and the child's thread id cached by glibc is its parent's (it
// serves as an opaque owner id only).
Result<pid_t> ForkSibling();

// In a freshly forked child: default dispositions for the usual signals and an empty signal mask,
// so that the parent's handlers (e.g. Asio's signal_set) do not leak into the child.
void ResetSignalsInChild();

// In a forked child: closes every descriptor >= 3 except `keep` (-1: none), so that the parent's
// sockets, epoll and listener fds do not live on in the child.
void CloseOtherFds(int keep);

// Forks and execs argv[0] (searched in PATH) with argv. `stderr_path`: when non-empty, the child's
// stdout and stderr are appended to that file. Returns the child's pid; an exec failure makes the
// child exit with 127.
Result<pid_t> Spawn(const std::vector<std::string>& argv, const std::string& stderr_path = "");

// kill(pid, sig). kNotFound when the process does not exist any more.
Status SendSignal(pid_t pid, int sig);

// How a child ended.
struct ExitInfo {
  pid_t pid = -1;
  bool exited = false;  // exit() / _exit(): code is valid
  int code = 0;
  bool signaled = false;  // killed by a signal: signal is valid
  int signal = 0;
  bool core_dumped = false;

  bool Clean() const { return exited && code == 0; }
  // "exit code 3", "signal 9 (Killed)", "signal 11 (Segmentation fault), core dumped".
  std::string Describe() const;
};

// waitpid(pid, WNOHANG): the exit of that child, nullopt while it runs. kIOError when `pid` is not
// a child of this process (ECHILD).
Result<std::optional<ExitInfo>> TryWait(pid_t pid);

// Reaps every exited child of this process (waitpid(-1, WNOHANG) until none): for SIGCHLD handlers.
std::vector<ExitInfo> ReapExited();

// Waits for `pid` to exit, at most `timeout_ms` (polling). nullopt when it is still running.
std::optional<ExitInfo> WaitFor(pid_t pid, int timeout_ms);

// Resident set size of a process in bytes, from /proc/<pid>/statm. kNotFound if it is gone.
Result<int64_t> RssBytes(pid_t pid);

}  // namespace panoptes::process
