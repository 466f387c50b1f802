#pragma once
// panoptes-scheduler run as a child process for the integration tests (stderr to a log file).

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

namespace panoptes::scheduler {

// One panoptes-scheduler child process, stderr to `log`. Killed (SIGKILL) if still running at the end.
class Daemon {
 public:
  Daemon(const std::string& config, const std::string& log, const std::string& kind) {
    pid_ = fork();
    if (pid_ == 0) {
      int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      dup2(fd, 2);
      std::string bin = std::string(PANOPTES_BINARY_DIR) + "/src/bin/panoptes-scheduler";
      execl(bin.c_str(), bin.c_str(), "--config", config.c_str(), "--kind", kind.c_str(), "--log-level",
            "debug", static_cast<char*>(nullptr));
      _exit(127);
    }
  }
  ~Daemon() {
    if (pid_ > 0) Kill();
  }
  pid_t pid() const { return pid_; }
  void Kill() {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  // SIGTERM; the exit status, or -1 if it did not exit within 10 s (then killed).
  int Terminate() {
    kill(pid_, SIGTERM);
    int status = 0;
    for (auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
         std::chrono::steady_clock::now() < end; std::this_thread::sleep_for(std::chrono::milliseconds(10))) {
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
    }
    Kill();
    return -1;
  }

 private:
  pid_t pid_ = -1;
};

}  // namespace panoptes::scheduler
