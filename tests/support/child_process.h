#pragma once
// Test support: the one place the fixtures fork/exec and stop the servers they own (redis-server,
// redis-sentinel, snmpsimd), and run a command line to read what it printed. Only the process that
// spawned a child stops it.

#include <sys/types.h>

#include <string>
#include <vector>

namespace panoptes::testing {

// Forks and execs argv[0] (an absolute path) with argv, in its own process group so that terminal
// signals meant for the test runner do not reach it first. With a non-empty `output_path`, the
// child's stdout and stderr go to that file (appended). Returns the child's pid (-1 on fork failure).
pid_t SpawnChild(const std::vector<std::string>& argv, const std::string& output_path = "");

// True when the child `pid` has exited (and reaps it).
bool ChildExited(pid_t pid);

// Stops our child `pid` with `sig` (SIGKILL after 5 s), reaps it and sets pid to -1. Does nothing
// when `pid` is not a child of this process (e.g. in a process forked by the test).
void StopChild(pid_t& pid, int sig);

// What a command line printed and how it exited.
struct CommandOutput {
  int exit_code = -1;  // -1: it could not start, or did not exit normally (a signal)
  std::string out;     // its stdout (append "2>&1" to the command line for stderr too)
};

// Runs `command_line` through /bin/sh (popen) and waits for it to exit.
CommandOutput RunCommand(const std::string& command_line);

}  // namespace panoptes::testing
