#pragma once
// Resource limits of an agent worker (setrlimit): address space, CPU seconds, open files, core
// files. The worker sets its process limits once after fork, before it starts Python, and the
// limits of each run around the plugin call (a plugin file's `[limits]` over the agent's defaults).
//
// What a limit can do, and what it cannot: the soft limits are set, the hard ones are left as the
// service manager gave them (LimitAS=, LimitNOFILE=...), so that a run may have more than the
// agent's default; a plugin could raise its own soft limits up to the hard ones (Python's
// `resource` module), so these are guard rails against runaway plugins, not a sandbox. Core files
// are the exception: when off, the soft and hard limits are 0 and cannot be raised again.
// Thread safety: limits are per process; call from the worker's only thread.

#include <cstdint>
#include <string>

#include "panoptes/status.h"

namespace panoptes::process {

struct Limits {
  int64_t address_space_mb = 0;  // RLIMIT_AS; 0: unlimited
  int64_t cpu_s = 0;             // RLIMIT_CPU, seconds of CPU per run; 0: unlimited
  int64_t open_files = 0;        // RLIMIT_NOFILE; 0: the hard limit
};

// At the worker's start: core files off unless `core_files`, and the soft address-space and
// open-files limits of `defaults` (CPU is per run). Values above the hard limit are clamped to it.
Status ApplyWorkerLimits(const Limits& defaults, bool core_files);

// Around one run: the soft limits of `run`, with RLIMIT_CPU at the CPU time used so far plus
// run.cpu_s (a run past it gets SIGXCPU, which ends the worker). EndRunLimits puts `defaults` back
// and CPU to unlimited.
Status BeginRunLimits(const Limits& run);
Status EndRunLimits(const Limits& defaults);

}  // namespace panoptes::process
