#pragma once
// The site-wide configuration (docs/configuration.md), one typed struct per INI section. Defaults live in the
// declarations; docs/configuration.md documents every key with its default and accepted range.
// Loaded and validated by config::LoadSiteConfig (src/config/site_config.h).

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "panoptes/kind.h"

namespace panoptes {

struct HostPort {
  std::string host;
  int port = 0;
  std::string ToString() const { return host + ":" + std::to_string(port); }
  bool operator==(const HostPort&) const = default;
};

struct MainConfig {
  std::vector<std::string> sites = {"local"};         // [main] sites: at least one
  std::string plugins_extension = "panoptes-plugin";  // without the dot
  int plugins_skew = 1;                               // seconds, 0..60
  bool plugins_check_permissions = true;              // refuse plugin files others could have written
};

struct RedisConfig {
  std::string host = "127.0.0.1";
  int port = 6379;                     // 1..65535
  int db = 0;                          // 0..15
  std::string password_file;           // empty: no AUTH; else the file must exist and be readable
  std::string password;                // read from password_file at load time; never logged
  std::string username;                // ACL user for AUTH; empty: AUTH <password> (the default user)
  std::string sentinel_password_file;  // empty: sentinels without AUTH
  std::string sentinel_password;       // read from sentinel_password_file; never logged
  std::vector<HostPort> sentinels;     // non-empty: discover the master through Sentinel
  std::string master_name;             // required when sentinels is set
  std::string key_prefix = "panoptes";
  int connect_timeout_ms = 2000;        // 10..60000
  int io_timeout_ms = 5000;             // 100..600000; blocking pops block for less than this
  int reconnect_max_backoff_ms = 5000;  // 10..60000, cap of the exponential reconnect backoff

  bool operator==(const RedisConfig&) const = default;
};

struct KindConfig {
  std::vector<std::string> plugins_paths;  // scanned recursively; may be empty (kind unused)
  int plugin_scan_interval = 60;           // seconds, 1..86400
};

struct AgentConfig {
  int workers = 2;                      // 1..256
  int max_tasks_per_worker = 10000;     // 1..10^9
  int max_worker_rss_mb = 512;          // 16..65536
  int shutdown_grace_s = 30;            // 0..3600: SIGTERM lets running plugins finish this long
  int heartbeat_interval_ms = 1000;     // 100..60000
  int heartbeat_ttl_ms = 10000;         // > heartbeat_interval_ms: a worker silent this long is dead
  int metrics_maxlen = 100000;          // 1..10^9: approximate MAXLEN of P:metrics:<site>
  int quarantine_after = 3;             // 0..1000: failures in a row that quarantine a pair; 0: never
  int quarantine_backoff_max_s = 3600;  // 1..604800: the longest quarantine
  int stale_after_cycles = 3;           // 1..1000: no ok result for this many frequencies: stale
  // After start-up the agent becomes this user/group (empty: stays who it is); docs/security.md.
  std::string user;
  std::string group;
  // Worker rlimits (docs/agent.md); a plugin file's [limits] overrides them per run.
  int worker_address_space_mb = 0;  // 0..4194304, RLIMIT_AS; 0: unlimited
  int worker_cpu_s = 0;             // 0..86400, RLIMIT_CPU per run; 0: unlimited
  int worker_open_files = 1024;     // 32..1048576, RLIMIT_NOFILE
  bool worker_core_files = false;   // false: RLIMIT_CORE 0
};

struct SchedulerConfig {
  int leader_ttl_ms = 5000;   // 1000..600000: P:leader:<kind> lifetime, renewed at ttl/3
  int dispatch_batch = 1000;  // 1..100000: due entries pushed per Lua call
  int import_timeout_s = 30;  // 1..3600: a plugin module must import within this
};

struct EnrichmentConfig {
  // (nothing yet; reserved for cache settings)
};

struct PythonConfig {
  std::vector<std::string> path;  // prepended to sys.path
};

// [snmp]: the SNMP defaults of every plugin (context.snmp), with the original Panoptes' key names
// and defaults. A plugin file's own [snmp] section overrides them key by key where the plugin code
// reads it (the original's PanoptesSNMPPluginConfiguration does; our plugins do).
struct SnmpConfig {
  std::string connection_factory_module = "yahoo_panoptes.plugins.helpers.snmp_connections";
  std::string connection_factory_class = "PanoptesSNMPConnectionFactory";
  std::string community = "public";  // used when neither the plugin file nor the secrets have one
  std::string community_string_key = "snmp_community_string";  // secrets key: <key>:<site>, <key>:default
  std::string version = "2c";  // 1, 2c or 3 (our addition; the original picks the class in code)
  int timeout = 5;             // seconds, 1..120
  int retries = 1;             // 1..10
  int non_repeaters = 0;       // 0..65535
  int max_repetitions = 25;    // 1..65535
  int port = 161;              // 1..65535
  int proxy_port = 10161;      // 1..65535
  // SNMPv3 (version = 3): the user, its security level and protocols; the passwords are secrets
  // named by the *_password_key keys (<key>:<site>, <key>:default).
  std::string v3_username;                     // empty: set it in the plugin file's [snmp]
  std::string v3_security_level = "authPriv";  // noAuthNoPriv, authNoPriv or authPriv
  std::string v3_auth_protocol = "SHA";        // MD5, SHA
  std::string v3_privacy_protocol = "AES";     // AES, DES
  std::string v3_context;                      // SNMPv3 context name, empty for the default
  std::string v3_auth_password_key = "snmp_v3_auth_password";
  std::string v3_privacy_password_key = "snmp_v3_privacy_password";
};

// [x509]: client certificate settings (context.x509), the original's keys and defaults.
struct X509Config {
  int x509_secured_requests = 0;  // 0 none, 1 where available, 2 mandatory
  std::string x509_cert_location = "/home/panoptes/x509/certs";
  std::string x509_cert_filename = "panoptes.pem";
  std::string x509_key_location = "/home/panoptes/x509/keys";
  std::string x509_key_filename = "panoptes.key";
};

struct HttpConfig {
  HostPort scheduler_listen{"127.0.0.1", 8785};  // port 0 disables the listener
  HostPort agent_listen{"127.0.0.1", 8786};
};

// An http:// URL split once at load time (no TLS: an https:// URL is refused with that reason).
struct HttpUrl {
  std::string host;
  int port = 80;
  std::string path;  // without a trailing '/', "" for the root
  std::string ToString() const { return "http://" + host + ":" + std::to_string(port) + path; }
  bool operator==(const HttpUrl&) const = default;
};

// panoptes-consumer: metrics streams -> InfluxDB line protocol (docs/outputs.md).
struct ConsumerConfig {
  HttpUrl influxdb_url{"127.0.0.1", 8086, ""};
  std::string influxdb_database = "panoptes";  // 1.x database; 2.x bucket
  std::string influxdb_api = "v1";             // v1: POST /write?db=; v2: POST /api/v2/write?bucket=
  std::string influxdb_org;                    // v2 only (optional for VictoriaMetrics)
  std::string influxdb_token_file;             // v1: none; v2: "Authorization: Token <file content>"
  std::string influxdb_token;                  // read from influxdb_token_file; never logged
  bool create_database = true;                 // v1: CREATE DATABASE at start (as the original)
  std::string group = "panoptes-consumer";     // the Redis consumer group
  std::string name;                            // consumer name in the group; "" = <host>:<pid>
  int batch_size = 5000;                       // 1..100000 points per write
  int flush_interval_ms = 1000;                // 10..600000: a partial batch waits at most this
  int request_timeout_ms = 10000;              // 100..600000 per HTTP request
  int retry_max_backoff_ms = 30000;            // 100..600000, cap of the exponential retry backoff
  int claim_idle_ms = 60000;                   // 1000..86400000: claim others' entries pending this long
  HostPort listen{"127.0.0.1", 8787};          // /metrics and /healthz; port 0 disables
  bool operator==(const ConsumerConfig&) const = default;
};

struct SiteConfig {
  std::string source_path;  // the INI file it was read from
  MainConfig main;
  RedisConfig redis;
  std::array<KindConfig, 3> kinds;  // indexed by KindIndex(kind)
  AgentConfig agent;
  SchedulerConfig scheduler;
  PythonConfig python;
  HttpConfig http;
  ConsumerConfig consumer;
  SnmpConfig snmp;
  X509Config x509;

  const KindConfig& Kind(PluginKind k) const { return kinds[KindIndex(k)]; }
  KindConfig& Kind(PluginKind k) { return kinds[KindIndex(k)]; }
};

}  // namespace panoptes
