#include "support/redis_server.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "redis/client.h"
#include "support/child_process.h"

namespace panoptes::testing {
namespace fs = std::filesystem;

TempDir::TempDir() {
  std::string tmpl = (fs::temp_directory_path() / "panoptes-test.XXXXXX").string();
  char* made = mkdtemp(tmpl.data());
  if (made == nullptr) std::abort();
  path_ = made;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string TempDir::Write(const std::string& relative, const std::string& content) const {
  fs::path full = fs::path(path_) / relative;
  fs::create_directories(full.parent_path());
  std::ofstream(full, std::ios::binary) << content;
  return full.string();
}

int FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    std::abort();
  }
  close(fd);
  return ntohs(addr.sin_port);
}

bool WaitUntil(const std::function<bool()>& predicate, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!predicate()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

::testing::AssertionResult WaitUntil(const std::function<bool()>& predicate,
                                     std::chrono::milliseconds timeout, const std::string& what) {
  if (WaitUntil(predicate, timeout)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "timed out after " << timeout.count() << " ms waiting for: " << what;
}

namespace {

// True when something on 127.0.0.1:port answers a RESP PING (+PONG, or -NOAUTH when it wants a
// password). A raw socket, so that polling a server that is not up yet logs nothing.
bool AnswersPing(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  timeval tv{0, 500 * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = false;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      send(fd, "PING\r\n", 6, MSG_NOSIGNAL) == 6) {
    char buf[64] = {};
    ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
    ok = n > 0 && (std::strncmp(buf, "+PONG", 5) == 0 || std::strncmp(buf, "-NOAUTH", 7) == 0);
  }
  close(fd);
  return ok;
}

enum class Outcome { kUp, kExited, kTimeout };

// Waits until the child `pid` answers PING on `port`, exits, or 10 s pass.
Outcome AwaitListener(pid_t pid, int port) {
  Outcome outcome = Outcome::kTimeout;
  WaitUntil(
      [&] {
        if (ChildExited(pid)) {
          outcome = Outcome::kExited;
          return true;
        }
        if (!AnswersPing(port)) return false;
        outcome = Outcome::kUp;
        return true;
      },
      std::chrono::seconds(10));
  return outcome;
}

std::string UniquePrefix() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = info ? std::string(info->test_suite_name()) + "." + info->name() : "test";
  return "t:" + name + ":" + std::to_string(getpid());
}

}  // namespace

RedisServer::RedisServer(RedisServerOptions options)
    : options_(std::move(options)), port_(options_.port > 0 ? options_.port : FreeLoopbackPort()) {}

RedisServer::~RedisServer() {
  Stop();
}

std::vector<std::string> RedisServer::Argv() const {
  std::vector<std::string> argv = {"/usr/bin/redis-server",
                                   "--port",
                                   std::to_string(port_),
                                   "--bind",
                                   "127.0.0.1",
                                   "--save",
                                   "",
                                   "--appendonly",
                                   "no",
                                   "--daemonize",
                                   "no",
                                   "--dir",
                                   dir_.path(),
                                   "--logfile",
                                   dir_.path() + "/redis.log",
                                   "--repl-diskless-sync-delay",
                                   "0"};
  if (!options_.password.empty()) {
    argv.push_back("--requirepass");
    argv.push_back(options_.password);
  }
  argv.insert(argv.end(), options_.extra_args.begin(), options_.extra_args.end());
  return argv;
}

bool RedisServer::Start() {
  if (pid_ > 0) return true;
  constexpr int kAttempts = 5;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    pid_ = SpawnChild(Argv());
    if (pid_ < 0) {
      ADD_FAILURE() << "fork failed: " << std::strerror(errno);
      return false;
    }
    Outcome outcome = AwaitListener(pid_, port_);
    // Something answered: make sure it is our child and not another server on a reused port.
    if (outcome == Outcome::kUp &&
        Cli({"INFO", "server"}).find("process_id:" + std::to_string(pid_) + "\r") != std::string::npos) {
      started_once_ = true;
      return true;
    }
    if (outcome == Outcome::kTimeout) {
      Kill();
      ADD_FAILURE() << "redis-server on port " << port_ << " did not answer PING within 10 s (log "
                    << dir_.path() << "/redis.log)";
      return false;
    }
    if (outcome == Outcome::kExited) {
      pid_ = -1;
    } else {
      Kill();  // another server answers on our port; ours cannot have bound it
    }
    if (started_once_) {
      ADD_FAILURE() << "redis-server could not restart on port " << port_ << " (taken meanwhile? log "
                    << dir_.path() << "/redis.log)";
      return false;
    }
    port_ = FreeLoopbackPort();  // collision: another process took the port first
  }
  ADD_FAILURE() << "redis-server did not start after " << kAttempts << " attempts (log " << dir_.path()
                << "/redis.log)";
  return false;
}

void RedisServer::Stop() {
  StopChild(pid_, SIGTERM);
}
void RedisServer::Kill() {
  StopChild(pid_, SIGKILL);
}

RedisConfig RedisServer::Config(const std::string& prefix) const {
  RedisConfig c;
  c.host = "127.0.0.1";
  c.port = port_;
  c.password = options_.password;
  c.key_prefix = prefix.empty() ? UniquePrefix() : prefix;
  c.connect_timeout_ms = 1000;
  c.io_timeout_ms = 3000;
  c.reconnect_max_backoff_ms = 200;
  return c;
}

std::string RedisServer::Cli(const std::vector<std::string>& argv) const {
  RedisConfig c = Config("cli");
  c.reconnect_max_backoff_ms = 10;
  redis::Client client(c, "test-cli");
  auto reply = client.Command(argv);
  if (!reply.ok()) return "";
  if (reply->type == redis::Reply::Type::kInteger) return std::to_string(reply->integer);
  return reply->str;
}

namespace {
// Both servers start a full sync at once (the default waits 5 s for more replicas to share it).
const std::vector<std::string> kNoSyncDelay = {"--repl-diskless-sync-delay", "0"};

// The value of `field` in an INFO reply ("" when absent).
std::string InfoField(const std::string& info, const std::string& field) {
  std::string key = field + ":";
  for (size_t at = info.find(key); at != std::string::npos; at = info.find(key, at + 1)) {
    if (at != 0 && info[at - 1] != '\n') continue;
    size_t begin = at + key.size();
    return info.substr(begin, info.find_first_of("\r\n", begin) - begin);
  }
  return "";
}
}  // namespace

SentinelCluster::SentinelCluster(int sentinels) {
  master_ = std::make_unique<RedisServer>(RedisServerOptions{"", kNoSyncDelay});
  for (int i = 0; i < sentinels; ++i) sentinel_ports_.push_back(FreeLoopbackPort());
}

SentinelCluster::~SentinelCluster() {
  for (pid_t& pid : sentinel_pids_) StopChild(pid, SIGTERM);
}

bool SentinelCluster::Start() {
  if (!master_->Start()) return false;
  std::vector<std::string> args = kNoSyncDelay;
  args.insert(args.end(), {"--replicaof", "127.0.0.1", std::to_string(master_->port())});
  replica_ = std::make_unique<RedisServer>(RedisServerOptions{"", args});
  if (!replica_->Start()) return false;
  int quorum = static_cast<int>(sentinel_ports_.size()) / 2 + 1;
  for (size_t i = 0; i < sentinel_ports_.size(); ++i) {
    if (!StartSentinel(i, quorum)) return false;
  }
  bool linked = WaitUntil(
      [&] {
        std::string info = replica_->Cli({"INFO", "replication"});
        return InfoField(info, "master_link_status") == "up" && ReportedMasterPort() == master_->port() &&
               SentinelsReady();
      },
      std::chrono::seconds(15));
  if (!linked)
    ADD_FAILURE() << "sentinel cluster did not come up within 15 s (logs in " << dir_.path() << ")";
  return linked && AwaitReplicaInSync();
}

bool SentinelCluster::AwaitReplicaInSync(std::chrono::milliseconds timeout) {
  std::string master_info = master_->Cli({"INFO", "replication"});
  std::string target = InfoField(master_info, "master_repl_offset");
  if (InfoField(master_info, "role") != "master" || target.empty()) {
    ADD_FAILURE() << "the master (port " << master_->port() << ") does not answer as a master:\n"
                  << master_info;
    return false;
  }
  std::string info;
  bool synced = WaitUntil(
      [&] {
        info = replica_->Cli({"INFO", "replication"});
        std::string offset = InfoField(info, "slave_repl_offset");
        return InfoField(info, "master_link_status") == "up" &&
               InfoField(info, "master_sync_in_progress") == "0" && !offset.empty() &&
               std::stoll(offset) >= std::stoll(target);
      },
      timeout);
  if (!synced)
    ADD_FAILURE() << "the replica (port " << replica_->port()
                  << ") did not reach the master's replication offset " << target << " within "
                  << timeout.count() << " ms\nreplica:\n"
                  << info << "master:\n"
                  << master_info;
  return synced;
}

bool SentinelCluster::KillMaster() {
  if (!AwaitReplicaInSync()) return false;
  master_->Kill();
  return true;
}

// Starts sentinel i (config and log in the cluster's temp dir); on a port collision picks another
// port and tries again.
bool SentinelCluster::StartSentinel(size_t i, int quorum) {
  std::string n = std::to_string(i);
  for (int attempt = 0; attempt < 5; ++attempt) {
    int port = sentinel_ports_[i];
    std::string conf = dir_.Write("sentinel" + n + ".conf",
                                  "port " + std::to_string(port) + "\nbind 127.0.0.1\n" +
                                      "sentinel monitor mymaster 127.0.0.1 " +
                                      std::to_string(master_->port()) + " " + std::to_string(quorum) +
                                      "\n"
                                      "sentinel down-after-milliseconds mymaster 1000\n"
                                      "sentinel failover-timeout mymaster 5000\n");
    pid_t pid =
        SpawnChild({"/usr/bin/redis-sentinel", conf, "--logfile", dir_.path() + "/sentinel" + n + ".log"});
    if (pid < 0) break;
    Outcome outcome = AwaitListener(pid, port);
    if (outcome == Outcome::kUp) {
      sentinel_pids_.push_back(pid);
      return true;
    }
    if (outcome == Outcome::kTimeout) {
      StopChild(pid, SIGKILL);
      break;
    }
    sentinel_ports_[i] = FreeLoopbackPort();
  }
  ADD_FAILURE() << "redis-sentinel " << i << " did not start (logs in " << dir_.path() << ")";
  return false;
}

RedisConfig SentinelCluster::Config(const std::string& prefix) const {
  RedisConfig c = master_->Config(prefix);
  for (int port : sentinel_ports_) c.sentinels.push_back({"127.0.0.1", port});
  c.master_name = "mymaster";
  return c;
}

namespace {
// A short-timeout connection to one sentinel, for the readiness and failover probes.
RedisConfig SentinelProbeConfig(int port) {
  RedisConfig c;
  c.port = port;
  c.connect_timeout_ms = 500;
  c.io_timeout_ms = 1000;
  return c;
}
}  // namespace

// True when every sentinel knows the replica and all the other sentinels (else a failover could not
// be authorised or would find no replica to promote).
bool SentinelCluster::SentinelsReady() const {
  for (int port : sentinel_ports_) {
    redis::Client client(SentinelProbeConfig(port), "test-sentinel-probe");
    auto reply = client.Command({"SENTINEL", "master", "mymaster"});
    if (!reply.ok()) return false;
    int replicas = -1, others = -1;
    const auto& fields = reply->elements;
    for (size_t i = 0; i + 1 < fields.size(); i += 2) {
      if (fields[i].str == "num-slaves") replicas = std::atoi(fields[i + 1].str.c_str());
      if (fields[i].str == "num-other-sentinels") others = std::atoi(fields[i + 1].str.c_str());
    }
    if (replicas < 1 || others != static_cast<int>(sentinel_ports_.size()) - 1) return false;
    if (!ReplicaGoodFor(client)) return false;
  }
  return true;
}

// True when the sentinel behind `client` last saw the replica up and linked to the master (its
// INFO, refreshed every 10 s, taken after the initial sync): else SENTINEL FAILOVER finds no good
// replica, and a failure detection would not promote it.
bool SentinelCluster::ReplicaGoodFor(redis::Client& client) const {
  auto reply = client.Command({"SENTINEL", "replicas", "mymaster"});
  if (!reply.ok()) return false;
  std::string port = std::to_string(replica_->port());
  for (const redis::Reply& replica : reply->elements) {
    std::string at, flags, link;
    for (size_t i = 0; i + 1 < replica.elements.size(); i += 2) {
      const std::string& k = replica.elements[i].str;
      if (k == "port") at = replica.elements[i + 1].str;
      if (k == "flags") flags = replica.elements[i + 1].str;
      if (k == "master-link-status") link = replica.elements[i + 1].str;
    }
    if (at == port) return flags == "slave" && link == "ok";
  }
  return false;
}

int SentinelCluster::ReportedMasterPort() const {
  for (int port : sentinel_ports_) {
    redis::Client client(SentinelProbeConfig(port), "test-sentinel-probe");
    auto reply = client.Command({"SENTINEL", "get-master-addr-by-name", "mymaster"});
    if (reply.ok() && reply->elements.size() == 2) return std::atoi(reply->elements[1].str.c_str());
  }
  return 0;
}

bool SentinelCluster::Failover() {
  if (!AwaitReplicaInSync()) return false;
  std::string last;
  bool asked = WaitUntil(
      [&] {
        redis::Client client(SentinelProbeConfig(sentinel_ports_.at(0)), "test-sentinel-probe");
        auto reply = client.Command({"SENTINEL", "FAILOVER", "mymaster"});
        last = reply.ok() ? reply->str : reply.status().ToString();
        return reply.ok();
      },
      std::chrono::seconds(10));
  if (!asked) ADD_FAILURE() << "SENTINEL FAILOVER refused for 10 s: " << last;
  return asked;
}

}  // namespace panoptes::testing
