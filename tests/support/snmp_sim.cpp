#include "support/snmp_sim.h"

#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <vector>

#include <gtest/gtest.h>

#include "support/child_process.h"

namespace panoptes::testing {
namespace fs = std::filesystem;

std::string SnmpRecordingsDir() {
  return std::string(PANOPTES_TEST_SOURCE_DIR) + "/tests/fixtures/snmp/recordings";
}

int FreeLoopbackUdpPort() {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    std::abort();
  }
  close(fd);
  return ntohs(addr.sin_port);
}

namespace {

// BER for an SNMPv2c GetRequest of sysDescr.0 (1.3.6.1.2.1.1.1.0). Short-form lengths only, so the
// community must stay under 100 bytes.
std::string SnmpGetPacket(const std::string& community) {
  const std::string varbinds("\x30\x0e\x30\x0c\x06\x08\x2b\x06\x01\x02\x01\x01\x01\x00\x05\x00", 16);
  const std::string pdu = std::string("\xa0\x19\x02\x01\x01\x02\x01\x00\x02\x01\x00", 11) + varbinds;
  std::string body =
      std::string("\x02\x01\x01\x04", 4) + static_cast<char>(community.size()) + community + pdu;
  return std::string("\x30", 1) + static_cast<char>(body.size()) + body;
}

}  // namespace

bool AnswersSnmpGet(int port, const std::string& community, int timeout_ms) {
  if (community.size() >= 100) return false;
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  std::string packet = SnmpGetPacket(community);
  bool answered = false;
  if (sendto(fd, packet.data(), packet.size(), 0, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) ==
      static_cast<ssize_t>(packet.size())) {
    pollfd p{fd, POLLIN, 0};
    char buf[1500];
    answered = poll(&p, 1, timeout_ms) == 1 && recv(fd, buf, sizeof(buf), 0) > 0 &&
               static_cast<unsigned char>(buf[0]) == 0x30;
  }
  close(fd);
  return answered;
}

SnmpSim::SnmpSim(SnmpSimOptions options) : options_(std::move(options)) {}

SnmpSim::~SnmpSim() {
  Stop();
}

// snmpsimd refuses to run as root and then runs as nobody: its data must be readable and its
// cache dir writable by that user, so everything lives in our own temp dir with open permissions.
bool SnmpSim::CopyRecordings(const std::string& data_dir, std::string& first_community) {
  std::error_code ec;
  fs::create_directories(dir_.path() + "/data", ec);
  fs::create_directories(dir_.path() + "/cache", ec);
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(data_dir, ec)) {
    if (entry.path().extension() != ".snmprec") continue;
    fs::copy_file(entry.path(), dir_.path() + "/data/" + entry.path().filename().string(),
                  fs::copy_options::overwrite_existing, ec);
    names.push_back(entry.path().stem().string());
  }
  if (names.empty()) return false;
  std::sort(names.begin(), names.end());
  first_community = names.front();
  const auto open = fs::perms::all;
  fs::permissions(dir_.path(), open, ec);
  fs::permissions(dir_.path() + "/cache", open, ec);
  fs::permissions(dir_.path() + "/data", open, ec);
  for (const auto& entry : fs::directory_iterator(dir_.path() + "/data", ec)) {
    fs::permissions(entry.path(), fs::perms::owner_all | fs::perms::group_read | fs::perms::others_read, ec);
  }
  return true;
}

int SnmpSim::Start(const std::string& data_dir) {
  if (pid_ > 0) return port_;
  std::string community;
  if (!CopyRecordings(data_dir, community)) {
    ADD_FAILURE() << "SnmpSim: no .snmprec file in " << data_dir;
    return 0;
  }
  port_ = FreeLoopbackUdpPort();
  std::vector<std::string> argv = {"/usr/bin/snmpsimd",
                                   "--data-dir=" + dir_.path() + "/data",
                                   "--cache-dir=" + dir_.path() + "/cache",
                                   "--agent-udpv4-endpoint=127.0.0.1:" + std::to_string(port_),
                                   "--logging-method=stderr",
                                   "--v3-user=" + options_.v3_user,
                                   "--v3-auth-key=" + options_.v3_auth_key,
                                   "--v3-auth-proto=" + options_.v3_auth_proto,
                                   "--v3-priv-key=" + options_.v3_priv_key,
                                   "--v3-priv-proto=" + options_.v3_priv_proto};
  if (geteuid() == 0) {
    argv.push_back("--process-user=nobody");
    argv.push_back("--process-group=nogroup");
  }
  pid_ = SpawnChild(argv, log_path());
  bool exited = false;
  bool up = WaitUntil(
      [&] {
        if (ChildExited(pid_)) {
          exited = true;
          return true;
        }
        return AnswersSnmpGet(port_, community, 100);
      },
      std::chrono::seconds(20));
  if (up && !exited) return port_;
  if (exited) pid_ = -1;
  Stop();
  ADD_FAILURE() << "snmpsimd did not answer on 127.0.0.1:" << port_ << " (community " << community
                << "); see " << log_path();
  return 0;
}

void SnmpSim::Stop() {
  StopChild(pid_, SIGTERM);
}

}  // namespace panoptes::testing
