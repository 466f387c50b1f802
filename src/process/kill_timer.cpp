#include "process/kill_timer.h"

#include <signal.h>

#include <cerrno>
#include <cstring>

namespace panoptes::process {
namespace {

Status Errno(const char* what) {
  return Status::IOError(std::string(what) + ": " + std::strerror(errno));
}

}  // namespace

Result<std::unique_ptr<KillTimer>> KillTimer::Create() {
  sigevent ev{};
  ev.sigev_notify = SIGEV_SIGNAL;
  ev.sigev_signo = SIGKILL;
  timer_t id{};
  if (timer_create(CLOCK_BOOTTIME, &ev, &id) != 0) return Errno("timer_create(CLOCK_BOOTTIME, SIGKILL)");
  return std::unique_ptr<KillTimer>(new KillTimer(id));
}

KillTimer::~KillTimer() {
  timer_delete(id_);
}

int64_t KillTimer::NowMs() {
  timespec t{};
  clock_gettime(CLOCK_BOOTTIME, &t);
  return static_cast<int64_t>(t.tv_sec) * 1000 + t.tv_nsec / 1'000'000;
}

Status KillTimer::ArmAt(int64_t at_ms) {
  // An absolute time already past expires at once (a zero value would disarm: use 1 ns).
  itimerspec spec{};
  spec.it_value.tv_sec = at_ms > 0 ? at_ms / 1000 : 0;
  spec.it_value.tv_nsec = at_ms > 0 ? (at_ms % 1000) * 1'000'000L : 1;
  if (spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0) spec.it_value.tv_nsec = 1;
  if (timer_settime(id_, TIMER_ABSTIME, &spec, nullptr) != 0) return Errno("timer_settime");
  return Status::Ok();
}

Status KillTimer::Disarm() {
  itimerspec spec{};
  if (timer_settime(id_, 0, &spec, nullptr) != 0) return Errno("timer_settime (disarm)");
  return Status::Ok();
}

}  // namespace panoptes::process
