#pragma once
// Test support: a real snmpsimd (Debian's snmpsim) serving .snmprec recordings on a free loopback
// UDP port. Every DATA_DIR/<name>.snmprec answers SNMPv2c community <name> and, for the SNMPv3 user
// below, context name <name>. The synthetic recordings of tests/fixtures/snmp/recordings/ are
// described in tests/fixtures/snmp/generate.py. Not thread-safe; one fixture per test.

#include <sys/types.h>

#include <string>

#include "support/redis_server.h"

namespace panoptes::testing {

// The recordings shipped with the tests (absolute path).
std::string SnmpRecordingsDir();

struct SnmpSimOptions {
  // The one SNMPv3 USM user snmpsimd accepts (authPriv).
  std::string v3_user = "panoptes";
  std::string v3_auth_key = "panoptes-auth";
  std::string v3_auth_proto = "SHA";  // MD5|SHA|SHA224|SHA256|SHA384|SHA512
  std::string v3_priv_key = "panoptes-priv";
  std::string v3_priv_proto = "AES";  // DES|3DES|AES|AES128|AES192|AES256
};

class SnmpSim {
 public:
  explicit SnmpSim(SnmpSimOptions options = {});
  ~SnmpSim();
  SnmpSim(const SnmpSim&) = delete;
  SnmpSim& operator=(const SnmpSim&) = delete;

  // Copies DATA_DIR/*.snmprec into its own temp dir, starts snmpsimd on 127.0.0.1 and waits (at
  // most 20 s) until it answers an SNMPv2c GET for the first recording's community. Returns the
  // UDP port; on failure calls ADD_FAILURE() naming the log file and returns 0:
  // `int port = sim.Start(SnmpRecordingsDir()); ASSERT_NE(port, 0);`. Calling it again while
  // running returns the same port.
  int Start(const std::string& data_dir);
  void Stop();  // SIGTERM and wait; the destructor does it too
  bool running() const { return pid_ > 0; }
  int port() const { return port_; }
  const SnmpSimOptions& options() const { return options_; }
  std::string log_path() const { return dir_.path() + "/snmpsimd.log"; }

 private:
  bool CopyRecordings(const std::string& data_dir, std::string& first_community);

  SnmpSimOptions options_;
  TempDir dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

// A UDP port on 127.0.0.1 that was free a moment ago (the kernel picked it).
int FreeLoopbackUdpPort();

// True when something on 127.0.0.1:port answers an SNMPv2c GET of sysDescr.0 for `community`
// within `timeout_ms` (any response PDU counts, errors and noSuchObject included).
bool AnswersSnmpGet(int port, const std::string& community, int timeout_ms);

}  // namespace panoptes::testing
