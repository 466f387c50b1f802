#include "process/limits.h"

#include <sys/resource.h>
#include <time.h>

#include <cerrno>
#include <cstring>

namespace panoptes::process {
namespace {

// Sets the soft limit of `resource` to `value` (RLIM_INFINITY for 0), clamped to the hard limit.
Status SetSoft(int resource, const char* name, int64_t value, int64_t unit) {
  rlimit now{};
  if (getrlimit(resource, &now) != 0)
    return Status::IOError(std::string("getrlimit ") + name + ": " + strerror(errno));
  rlim_t want = value <= 0 ? RLIM_INFINITY : static_cast<rlim_t>(value) * static_cast<rlim_t>(unit);
  if (now.rlim_max != RLIM_INFINITY && (want == RLIM_INFINITY || want > now.rlim_max)) want = now.rlim_max;
  if (now.rlim_cur == want) return Status::Ok();  // the common case at every run: nothing to change
  now.rlim_cur = want;
  if (setrlimit(resource, &now) != 0)
    return Status::IOError(std::string("setrlimit ") + name + ": " + strerror(errno));
  return Status::Ok();
}

int64_t CpuUsedSeconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<int64_t>(t.tv_sec) + (t.tv_nsec > 0 ? 1 : 0);
}

}  // namespace

Status ApplyWorkerLimits(const Limits& defaults, bool core_files) {
  if (!core_files) {
    rlimit none{0, 0};
    if (setrlimit(RLIMIT_CORE, &none) != 0)
      return Status::IOError(std::string("setrlimit RLIMIT_CORE: ") + strerror(errno));
  }
  return EndRunLimits(defaults);
}

Status BeginRunLimits(const Limits& run) {
  PANOPTES_RETURN_IF_ERROR(SetSoft(RLIMIT_AS, "RLIMIT_AS", run.address_space_mb, 1024 * 1024));
  PANOPTES_RETURN_IF_ERROR(SetSoft(RLIMIT_NOFILE, "RLIMIT_NOFILE", run.open_files, 1));
  return SetSoft(RLIMIT_CPU, "RLIMIT_CPU", run.cpu_s > 0 ? CpuUsedSeconds() + run.cpu_s : 0, 1);
}

Status EndRunLimits(const Limits& defaults) {
  PANOPTES_RETURN_IF_ERROR(SetSoft(RLIMIT_CPU, "RLIMIT_CPU", 0, 1));
  PANOPTES_RETURN_IF_ERROR(SetSoft(RLIMIT_AS, "RLIMIT_AS", defaults.address_space_mb, 1024 * 1024));
  return SetSoft(RLIMIT_NOFILE, "RLIMIT_NOFILE", defaults.open_files, 1);
}

}  // namespace panoptes::process
