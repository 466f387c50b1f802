#include "redis/master_watch.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/logging.h"
#include "redis/hiredis_util.h"

namespace panoptes::redis {
namespace {

using detail::ContextPtr;
using detail::ReplyPtr;

std::atomic<MasterSignal*> g_signal{nullptr};

constexpr int kRelinkMs = 1000;  // a sentinel link that failed is tried again this much later

// The events of a failover's steps, as Sentinel publishes them (channel = event name).
constexpr std::string_view kPatterns[] = {"+try-failover",   "+elected-leader", "+failover-state-*",
                                          "+selected-slave", "+promoted-slave", "-failover-abort-*",
                                          "+switch-master"};

bool Begins(std::string_view channel) {
  return channel == "+try-failover" || channel == "+elected-leader" || channel == "+selected-slave" ||
         channel == "+promoted-slave" || channel.substr(0, 16) == "+failover-state-";
}

std::vector<std::string_view> Words(std::string_view s) {
  std::vector<std::string_view> out;
  while (!s.empty()) {
    size_t space = s.find(' ');
    if (space != 0) out.push_back(s.substr(0, space));
    if (space == std::string_view::npos) break;
    s.remove_prefix(space + 1);
  }
  return out;
}

std::string_view View(const redisReply* r) {
  return std::string_view(r->str, r->len);
}

ReplyPtr Exec(redisContext* c, std::initializer_list<std::string_view> parts) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (auto p : parts) {
    argv.push_back(p.data());
    lens.push_back(p.size());
  }
  return ReplyPtr(
      static_cast<redisReply*>(redisCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lens.data())));
}

}  // namespace

int64_t MonotonicMs() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<int64_t>(t.tv_sec) * 1000 + t.tv_nsec / 1'000'000;
}

void SetMasterSignal(MasterSignal* signal) {
  g_signal.store(signal, std::memory_order_release);
}

MasterSignal* GetMasterSignal() {
  return g_signal.load(std::memory_order_acquire);
}

struct MasterWatch::Impl {
  struct Link {
    HostPort sentinel;
    ContextPtr ctx;
    int64_t retry_at = 0;
    bool down_reported = false;
  };

  RedisConfig config;
  MasterSignal& signal;
  std::vector<Link> links;
  std::string master;  // "host:port" as the sentinels last named it
  int stop_fd = -1;
  std::thread thread;
  std::shared_ptr<spdlog::logger> log = core::Logger("redis");

  Impl(const RedisConfig& c, MasterSignal& s) : config(c), signal(s) {
    for (const HostPort& hp : config.sentinels) links.push_back({hp, nullptr, 0, false});
  }

  void Pause(const Link& from, std::string_view event) {
    int64_t now = MonotonicMs();
    if (signal.paused_until_ms.load(std::memory_order_acquire) <= now) {
      signal.failovers_begun.fetch_add(1, std::memory_order_relaxed);
      log->warn("sentinel {}: {} of '{}': Redis calls wait (up to {} ms) for the new master",
                from.sentinel.ToString(), event, config.master_name, kFailoverPauseMaxMs);
    }
    signal.paused_until_ms.store(now + kFailoverPauseMaxMs, std::memory_order_release);
  }

  void Resume(const Link& from, std::string_view event) {
    if (signal.paused_until_ms.exchange(0, std::memory_order_acq_rel) > MonotonicMs()) {
      log->warn("sentinel {}: {} of '{}': Redis calls go on with the master {}", from.sentinel.ToString(),
                event, config.master_name, master);
    }
  }

  // Sentinel names `to` the master: clients connected before leave their server.
  void Switch(const Link& from, const std::string& to, std::string_view why) {
    if (to == master) return Resume(from, why);  // another sentinel's announcement of the same switch
    log->warn("sentinel {}: {}: the master of '{}' is now {} (was {}); clients move to it",
              from.sentinel.ToString(), why, config.master_name, to, master.empty() ? "unknown" : master);
    master = to;
    signal.switches.fetch_add(1, std::memory_order_relaxed);
    signal.epoch.fetch_add(1, std::memory_order_acq_rel);
    signal.paused_until_ms.store(0, std::memory_order_release);
  }

  void Handle(const Link& from, const redisReply* r) {
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 4) return;  // (p)subscribe confirmations
    for (size_t i = 0; i < 4; ++i)
      if (r->element[i]->type != REDIS_REPLY_STRING) return;
    if (View(r->element[0]) != "pmessage") return;
    std::string_view channel = View(r->element[2]);
    std::vector<std::string_view> w = Words(View(r->element[3]));
    if (channel == "+switch-master") {
      // "<master name> <old ip> <old port> <new ip> <new port>"
      if (w.size() == 5 && w[0] == config.master_name)
        Switch(from, std::string(w[3]) + ":" + std::string(w[4]), "+switch-master");
      return;
    }
    // "master <name> <ip> <port>", or "<type> <name> <ip> <port> @ <master name> <ip> <port>"
    std::string_view name;
    if (w.size() >= 2 && w[0] == "master") name = w[1];
    auto at = std::find(w.begin(), w.end(), "@");
    if (at != w.end() && at + 1 != w.end()) name = *(at + 1);
    if (name != config.master_name) return;
    if (Begins(channel)) {
      Pause(from, channel);
    } else if (channel.substr(0, 16) == "-failover-abort-") {
      Resume(from, channel);
    }
  }

  // Connects to one sentinel: where the master is (a switch missed while not listening counts as
  // one), whether a failover is under way, then the subscription.
  bool Open(Link& l) {
    timeval ct{config.connect_timeout_ms / 1000,
               static_cast<suseconds_t>(config.connect_timeout_ms % 1000) * 1000};
    ContextPtr c(redisConnectWithTimeout(l.sentinel.host.c_str(), l.sentinel.port, ct));
    std::string error;
    auto fail = [&](std::string why) {
      if (!l.down_reported)
        log->warn("sentinel {}: cannot watch for failovers of '{}': {}; retrying every {} ms",
                  l.sentinel.ToString(), config.master_name, why, kRelinkMs);
      l.down_reported = true;
      l.retry_at = MonotonicMs() + kRelinkMs;
      return false;
    };
    if (!c || c->err) return fail(c ? c->errstr : "cannot allocate context");
    detail::CapAggregates(c->reader);
    redisSetTimeout(c.get(), ct);  // the set-up commands; the subscription is read after poll()
    redisEnableKeepAlive(c.get());
    if (!config.sentinel_password.empty()) {
      ReplyPtr a = Exec(c.get(), {"AUTH", config.sentinel_password});
      if (!a) return fail(std::string("AUTH: ") + c->errstr);
      if (a->type == REDIS_REPLY_ERROR) return fail("AUTH refused: " + std::string(View(a.get())));
    }
    ReplyPtr addr = Exec(c.get(), {"SENTINEL", "get-master-addr-by-name", config.master_name});
    if (!addr) return fail(c->errstr);
    if (addr->type != REDIS_REPLY_ARRAY || addr->elements != 2 ||
        addr->element[0]->type != REDIS_REPLY_STRING || addr->element[1]->type != REDIS_REPLY_STRING)
      return fail("no master named '" + config.master_name + "'");
    std::string named = std::string(View(addr->element[0])) + ":" + std::string(View(addr->element[1]));
    ReplyPtr info = Exec(c.get(), {"SENTINEL", "master", config.master_name});
    if (!info) return fail(c->errstr);
    bool failing_over = false;
    if (info->type == REDIS_REPLY_ARRAY) {
      for (size_t i = 0; i + 1 < info->elements; i += 2) {
        const redisReply* k = info->element[i];
        const redisReply* v = info->element[i + 1];
        if (k->type == REDIS_REPLY_STRING && v->type == REDIS_REPLY_STRING && View(k) == "flags")
          failing_over = View(v).find("failover_in_progress") != std::string_view::npos;
      }
    }
    std::vector<const char*> argv{"PSUBSCRIBE"};
    std::vector<size_t> lens{10};
    for (std::string_view p : kPatterns) {
      argv.push_back(p.data());
      lens.push_back(p.size());
    }
    ReplyPtr sub(static_cast<redisReply*>(
        redisCommandArgv(c.get(), static_cast<int>(argv.size()), argv.data(), lens.data())));
    if (!sub) return fail(std::string("PSUBSCRIBE: ") + c->errstr);
    if (sub->type == REDIS_REPLY_ERROR) return fail("PSUBSCRIBE refused: " + std::string(View(sub.get())));
    if (l.down_reported)
      log->info("sentinel {}: watching for failovers of '{}' again", l.sentinel.ToString(),
                config.master_name);
    l.down_reported = false;
    l.ctx = std::move(c);
    if (master.empty()) {
      master = named;
    } else if (named != master) {
      Switch(l, named, "named on (re)connecting");
    }
    if (failing_over) Pause(l, "a failover under way");
    return true;
  }

  // Reads what arrived on a link; false when the link failed.
  bool Drain(Link& l) {
    if (redisBufferRead(l.ctx.get()) != REDIS_OK) return false;
    for (;;) {
      void* raw = nullptr;
      if (redisGetReplyFromReader(l.ctx.get(), &raw) != REDIS_OK) return false;
      if (raw == nullptr) return true;
      ReplyPtr r(static_cast<redisReply*>(raw));
      Handle(l, r.get());
    }
  }

  void Run() {
    std::vector<pollfd> fds;
    std::vector<Link*> polled;
    for (;;) {
      int64_t now = MonotonicMs();
      for (Link& l : links)
        if (!l.ctx && now >= l.retry_at) Open(l);
      fds.assign(1, pollfd{stop_fd, POLLIN, 0});
      polled.clear();
      for (Link& l : links) {
        if (!l.ctx) continue;
        fds.push_back(pollfd{l.ctx->fd, POLLIN, 0});
        polled.push_back(&l);
      }
      int n = poll(fds.data(), fds.size(), kWatchPollMs);
      if (fds[0].revents != 0) return;
      bool live = false;
      for (size_t i = 0; i < polled.size(); ++i) {
        Link& l = *polled[i];
        if (n > 0 && fds[i + 1].revents != 0 && !Drain(l)) {
          log->warn("sentinel {}: the failover watch of '{}' lost its link: {}", l.sentinel.ToString(),
                    config.master_name, l.ctx->errstr[0] != '\0' ? l.ctx->errstr : "closed");
          l.ctx.reset();
          l.down_reported = true;
          l.retry_at = MonotonicMs() + kRelinkMs / 10;
          continue;
        }
        live = true;
      }
      // Everything a live sentinel said until now has been read.
      if (live) signal.fresh_ms.store(MonotonicMs(), std::memory_order_release);
    }
  }
};

std::unique_ptr<MasterWatch> MasterWatch::Start(const RedisConfig& config, MasterSignal& signal) {
  if (config.sentinels.empty()) return nullptr;
  auto impl = std::make_unique<Impl>(config, signal);
  impl->stop_fd = eventfd(0, EFD_CLOEXEC);
  if (impl->stop_fd < 0) {
    core::Logger("redis")->error("cannot watch the sentinels: eventfd: {}", std::strerror(errno));
    return nullptr;
  }
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->Run(); });
  return std::unique_ptr<MasterWatch>(new MasterWatch(std::move(impl)));
}

MasterWatch::MasterWatch(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

MasterWatch::~MasterWatch() {
  uint64_t one = 1;
  (void)!write(impl_->stop_fd, &one, sizeof one);
  impl_->thread.join();
  close(impl_->stop_fd);
}

}  // namespace panoptes::redis
