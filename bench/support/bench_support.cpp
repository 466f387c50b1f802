#include "support/bench_support.h"

#include <time.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "config/identity.h"
#include "model/identity.h"

namespace panoptes::bench {
namespace {

// "key:value" lines of INFO; commandstats lines are "cmdstat_<name>:calls=N,usec=...".
void ParseInfoLine(const std::string& line, ServerCounters& out, double& cpu_user, double& cpu_sys) {
  auto colon = line.find(':');
  if (colon == std::string::npos) return;
  std::string key = line.substr(0, colon);
  std::string value = line.substr(colon + 1);
  if (key == "total_commands_processed") out.commands = std::stoull(value);
  if (key == "total_writes_processed") out.writes = std::stoull(value);
  if (key == "used_cpu_user") cpu_user = std::stod(value);
  if (key == "used_cpu_sys") cpu_sys = std::stod(value);
  if (key.rfind("cmdstat_", 0) == 0 && value.rfind("calls=", 0) == 0) {
    out.calls[key.substr(8)] = std::stoull(value.substr(6, value.find(',') - 6));
  }
}

}  // namespace

Result<ServerCounters> ReadServerCounters(redis::Client& client) {
  auto reply = client.Command({"INFO", "stats", "cpu", "commandstats"});
  if (!reply.ok()) return reply.status();
  ServerCounters out;
  double cpu_user = 0, cpu_sys = 0;
  std::istringstream text(reply->str);
  std::string line;
  while (std::getline(text, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    ParseInfoLine(line, out, cpu_user, cpu_sys);
  }
  out.cpu_s = cpu_user + cpu_sys;
  return out;
}

int64_t MonotonicNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

double WallSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

Resource BenchResource(const std::string& site, const std::string& tag, int index) {
  Resource r;
  r.site = site;
  r.class_ = "bench";
  r.subclass = "bench";
  r.type = "bench";
  r.id = tag + "-" + std::to_string(index);
  r.endpoint = "127.0.0.1";
  r.plugin = "bench_discovery";
  r.creation_timestamp = WallSeconds();
  return r;
}

Task BenchTask(const std::string& plugin_name, const Resource& resource, double now, double time_limit) {
  Task t;
  t.id = resource.id + "@" + std::to_string(static_cast<int64_t>(now * 1000));
  t.kind = PluginKind::kPolling;
  t.plugin = plugin_name;
  t.signature = model::Signature(config::NormalizedName(plugin_name), &resource);
  t.resource = resource;
  t.scheduled_for = now;
  t.expires_at = now + 3600;
  t.time_limit = time_limit;
  return t;
}

Options::Options(int argc, char** argv, int first) {
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0 || i + 1 >= argc) {
      std::fprintf(stderr, "bad argument %s: expected --name value\n", arg.c_str());
      std::exit(2);
    }
    values_[arg.substr(2)] = argv[++i];
  }
}

std::string Options::Str(const std::string& name, const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second;
}

std::string Options::Str(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) {
    std::fprintf(stderr, "missing option --%s\n", name.c_str());
    std::exit(2);
  }
  return it->second;
}

int64_t Options::Int(const std::string& name, int64_t fallback) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  int64_t v = 0;
  auto [end, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), v);
  if (ec != std::errc() || end != it->second.data() + it->second.size()) {
    std::fprintf(stderr, "option --%s: %s is not an integer\n", name.c_str(), it->second.c_str());
    std::exit(2);
  }
  return v;
}

double Options::Double(const std::string& name, double fallback) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  char* end = nullptr;
  double v = std::strtod(it->second.c_str(), &end);
  if (end == it->second.c_str() || *end != '\0') {
    std::fprintf(stderr, "option --%s: %s is not a number\n", name.c_str(), it->second.c_str());
    std::exit(2);
  }
  return v;
}

RedisConfig BenchRedisConfig(int port, const std::string& prefix) {
  RedisConfig config;
  config.host = "127.0.0.1";
  config.port = port;
  config.key_prefix = prefix;
  config.io_timeout_ms = 10000;
  return config;
}

void CheckOk(const Status& status, const std::string& message) {
  if (status.ok()) return;
  std::fprintf(stderr, "%s: %s\n", message.c_str(), status.ToString().c_str());
  std::exit(1);
}

}  // namespace panoptes::bench
