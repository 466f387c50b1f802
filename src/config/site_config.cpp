#include "config/site_config.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <utility>

#include "config/ini_reader.h"
#include "config/snmp_keys.h"
#include "config/values.h"

namespace panoptes::config {
namespace {

struct LoadContext {
  std::string base_dir;  // relative paths are taken from here
};

// Applies one value to the config; returns an error stating what is accepted.
using Setter = std::function<Status(SiteConfig&, std::string_view, const LoadContext&)>;

struct KeySpec {
  std::string section;
  std::string key;
  Setter set;
};

Setter IntKey(int64_t min, int64_t max, std::function<int&(SiteConfig&)> field) {
  return [=](SiteConfig& c, std::string_view v, const LoadContext&) -> Status {
    auto n = ParseInteger(v, min, max);
    if (!n.ok()) return n.status();
    field(c) = static_cast<int>(*n);
    return Status::Ok();
  };
}

// A non-empty single word (no blanks).
Setter WordKey(std::string what, bool allow_empty, std::function<std::string&(SiteConfig&)> field) {
  return [=](SiteConfig& c, std::string_view v, const LoadContext&) -> Status {
    std::string_view t = TrimBlank(v);
    if ((t.empty() && !allow_empty) || HasBlank(t)) return Status::InvalidArgument("must be " + what);
    field(c) = std::string(t);
    return Status::Ok();
  };
}

Setter BoolKey(std::function<bool&(SiteConfig&)> field) {
  return [=](SiteConfig& c, std::string_view v, const LoadContext&) -> Status {
    std::string_view t = TrimBlank(v);
    if (t != "true" && t != "false") return Status::InvalidArgument("must be true or false");
    field(c) = t == "true";
    return Status::Ok();
  };
}

Setter PathListKey(std::function<std::vector<std::string>&(SiteConfig&)> field) {
  return [=](SiteConfig& c, std::string_view v, const LoadContext& ctx) -> Status {
    std::vector<std::string> paths;
    for (const std::string& item : SplitList(v)) {
      std::string resolved = ResolveAgainst(ctx.base_dir, item);
      if (std::find(paths.begin(), paths.end(), resolved) == paths.end()) paths.push_back(resolved);
    }
    field(c) = std::move(paths);
    return Status::Ok();
  };
}

Setter ListenKey(std::function<HostPort&(SiteConfig&)> field) {
  return [=](SiteConfig& c, std::string_view v, const LoadContext&) -> Status {
    auto hp = ParseHostPort(v, 0);
    if (!hp.ok()) return Status::InvalidArgument(hp.status().message() + " (port 0 disables the listener)");
    field(c) = *hp;
    return Status::Ok();
  };
}

Status SetSites(SiteConfig& c, std::string_view v, const LoadContext&) {
  std::vector<std::string> sites = SplitList(v);
  if (sites.empty()) return Status::InvalidArgument("must list at least one site (comma separated)");
  for (const std::string& s : sites) {
    if (!IsSiteName(s)) {
      return Status::InvalidArgument("site '" + s + "' must contain only letters, digits, '_' and '-'");
    }
  }
  c.main.sites = std::move(sites);
  return Status::Ok();
}

Status SetExtension(SiteConfig& c, std::string_view v, const LoadContext&) {
  std::string_view t = TrimBlank(v);
  if (t.empty() || t.front() == '.' || HasBlank(t) || t.find('/') != std::string_view::npos) {
    return Status::InvalidArgument("must be a non-empty file extension without a leading dot, '/' or blanks");
  }
  c.main.plugins_extension = std::string(t);
  return Status::Ok();
}

Status SetRedisHost(SiteConfig& c, std::string_view v, const LoadContext&) {
  std::string_view t = TrimBlank(v);
  bool ok = !t.empty() && std::all_of(t.begin(), t.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '-' || ch == '_' || ch == ':';
  });
  if (!ok) return Status::InvalidArgument("must be a host name or IP address");
  c.redis.host = std::string(t);
  return Status::Ok();
}

// Reads a secret from the file `path` (resolved against the config's directory), stripping one
// trailing newline ("\n" or "\r\n"). `what` names the secret in the error ("a password").
Status ReadSecretFile(std::string_view v, const LoadContext& ctx, const std::string& what,
                      std::string& path_out, std::string& secret_out) {
  std::string_view t = TrimBlank(v);
  path_out.clear();
  secret_out.clear();
  if (t.empty()) return Status::Ok();
  std::string path = ResolveAgainst(ctx.base_dir, t);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Status::InvalidArgument("must name a readable file; " + path + " is not a regular file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::InvalidArgument("cannot read " + path + ": " + std::strerror(errno));
  std::ostringstream buf;
  buf << in.rdbuf();
  std::string secret = buf.str();
  if (!secret.empty() && secret.back() == '\n') secret.pop_back();
  if (!secret.empty() && secret.back() == '\r') secret.pop_back();
  if (secret.empty())
    return Status::InvalidArgument("the file " + path + " is empty (" + what + " is expected)");
  path_out = path;
  secret_out = std::move(secret);
  return Status::Ok();
}

Status SetPasswordFile(SiteConfig& c, std::string_view v, const LoadContext& ctx) {
  return ReadSecretFile(v, ctx, "a password", c.redis.password_file, c.redis.password);
}

Status SetSentinelPasswordFile(SiteConfig& c, std::string_view v, const LoadContext& ctx) {
  return ReadSecretFile(v, ctx, "a password", c.redis.sentinel_password_file, c.redis.sentinel_password);
}

Status SetSentinels(SiteConfig& c, std::string_view v, const LoadContext&) {
  std::vector<HostPort> out;
  for (const std::string& item : SplitList(v)) {
    auto hp = ParseHostPort(item, 1);
    if (!hp.ok()) return Status::InvalidArgument("sentinel '" + item + "' " + hp.status().message());
    out.push_back(*hp);
  }
  c.redis.sentinels = std::move(out);
  return Status::Ok();
}

std::vector<KeySpec> BuildKeySpecs() {
  std::vector<KeySpec> k = {
      {"main", "sites", SetSites},
      {"main", "plugins_extension", SetExtension},
      {"main", "plugins_skew", IntKey(0, 60, [](SiteConfig& c) -> int& { return c.main.plugins_skew; })},
      {"main", "plugins_check_permissions",
       BoolKey([](SiteConfig& c) -> bool& { return c.main.plugins_check_permissions; })},
      {"redis", "host", SetRedisHost},
      {"redis", "port", IntKey(1, 65535, [](SiteConfig& c) -> int& { return c.redis.port; })},
      {"redis", "db", IntKey(0, 15, [](SiteConfig& c) -> int& { return c.redis.db; })},
      {"redis", "password_file", SetPasswordFile},
      {"redis", "username",
       WordKey("an ACL user name without blanks", true,
               [](SiteConfig& c) -> std::string& { return c.redis.username; })},
      {"redis", "sentinels", SetSentinels},
      {"redis", "sentinel_password_file", SetSentinelPasswordFile},
      {"redis", "master_name",
       WordKey("a name without blanks", true,
               [](SiteConfig& c) -> std::string& { return c.redis.master_name; })},
      {"redis", "key_prefix",
       WordKey("a non-empty prefix without blanks", false,
               [](SiteConfig& c) -> std::string& { return c.redis.key_prefix; })},
      {"redis", "connect_timeout_ms",
       IntKey(10, 60000, [](SiteConfig& c) -> int& { return c.redis.connect_timeout_ms; })},
      {"redis", "io_timeout_ms",
       IntKey(100, 600000, [](SiteConfig& c) -> int& { return c.redis.io_timeout_ms; })},
      {"redis", "reconnect_max_backoff_ms",
       IntKey(10, 60000, [](SiteConfig& c) -> int& { return c.redis.reconnect_max_backoff_ms; })},
  };
  for (PluginKind kind : kAllKinds) {
    std::string s(KindName(kind));
    k.push_back({s, "plugins_paths", PathListKey([kind](SiteConfig& c) -> std::vector<std::string>& {
                   return c.Kind(kind).plugins_paths;
                 })});
    k.push_back({s, "plugin_scan_interval", IntKey(1, 86400, [kind](SiteConfig& c) -> int& {
                   return c.Kind(kind).plugin_scan_interval;
                 })});
  }
  return k;
}

std::vector<KeySpec> BuildDaemonKeySpecs() {
  return {
      {"agent", "workers", IntKey(1, 1024, [](SiteConfig& c) -> int& { return c.agent.workers; })},
      {"agent", "max_tasks_per_worker",
       IntKey(1, 1000000000, [](SiteConfig& c) -> int& { return c.agent.max_tasks_per_worker; })},
      {"agent", "max_worker_rss_mb",
       IntKey(16, 65536, [](SiteConfig& c) -> int& { return c.agent.max_worker_rss_mb; })},
      {"agent", "shutdown_grace_s",
       IntKey(0, 3600, [](SiteConfig& c) -> int& { return c.agent.shutdown_grace_s; })},
      {"agent", "heartbeat_interval_ms",
       IntKey(100, 60000, [](SiteConfig& c) -> int& { return c.agent.heartbeat_interval_ms; })},
      {"agent", "heartbeat_ttl_ms",
       IntKey(200, 600000, [](SiteConfig& c) -> int& { return c.agent.heartbeat_ttl_ms; })},
      {"agent", "metrics_maxlen",
       IntKey(1, 1000000000, [](SiteConfig& c) -> int& { return c.agent.metrics_maxlen; })},
      {"agent", "quarantine_after",
       IntKey(0, 1000, [](SiteConfig& c) -> int& { return c.agent.quarantine_after; })},
      {"agent", "quarantine_backoff_max_s",
       IntKey(1, 604800, [](SiteConfig& c) -> int& { return c.agent.quarantine_backoff_max_s; })},
      {"agent", "stale_after_cycles",
       IntKey(1, 1000, [](SiteConfig& c) -> int& { return c.agent.stale_after_cycles; })},
      {"agent", "user",
       WordKey("a user name without blanks", true,
               [](SiteConfig& c) -> std::string& { return c.agent.user; })},
      {"agent", "group",
       WordKey("a group name without blanks", true,
               [](SiteConfig& c) -> std::string& { return c.agent.group; })},
      {"agent", "worker_address_space_mb",
       IntKey(0, 4194304, [](SiteConfig& c) -> int& { return c.agent.worker_address_space_mb; })},
      {"agent", "worker_cpu_s", IntKey(0, 86400, [](SiteConfig& c) -> int& { return c.agent.worker_cpu_s; })},
      {"agent", "worker_open_files",
       IntKey(32, 1048576, [](SiteConfig& c) -> int& { return c.agent.worker_open_files; })},
      {"agent", "worker_core_files",
       BoolKey([](SiteConfig& c) -> bool& { return c.agent.worker_core_files; })},
      {"scheduler", "leader_ttl_ms",
       IntKey(1000, 600000, [](SiteConfig& c) -> int& { return c.scheduler.leader_ttl_ms; })},
      {"scheduler", "dispatch_batch",
       IntKey(1, 100000, [](SiteConfig& c) -> int& { return c.scheduler.dispatch_batch; })},
      {"scheduler", "import_timeout_s",
       IntKey(1, 3600, [](SiteConfig& c) -> int& { return c.scheduler.import_timeout_s; })},
      {"python", "path",
       PathListKey([](SiteConfig& c) -> std::vector<std::string>& { return c.python.path; })},
      {"http", "scheduler_listen",
       ListenKey([](SiteConfig& c) -> HostPort& { return c.http.scheduler_listen; })},
      {"http", "agent_listen", ListenKey([](SiteConfig& c) -> HostPort& { return c.http.agent_listen; })},
  };
}

// [consumer]: panoptes-consumer (docs/outputs.md).
std::vector<KeySpec> BuildConsumerKeySpecs() {
  auto str = [](std::string what, bool allow_empty, std::string ConsumerConfig::*field) {
    return WordKey(std::move(what), allow_empty,
                   [field](SiteConfig& c) -> std::string& { return c.consumer.*field; });
  };
  auto num = [](int64_t min, int64_t max, int ConsumerConfig::*field) {
    return IntKey(min, max, [field](SiteConfig& c) -> int& { return c.consumer.*field; });
  };
  Setter url = [](SiteConfig& c, std::string_view v, const LoadContext&) -> Status {
    auto parsed = ParseHttpUrl(v);
    if (!parsed.ok()) return parsed.status();
    c.consumer.influxdb_url = *parsed;
    return Status::Ok();
  };
  Setter api = [](SiteConfig& c, std::string_view v, const LoadContext&) -> Status {
    std::string_view t = TrimBlank(v);
    if (t != "v1" && t != "v2") return Status::InvalidArgument("must be v1 or v2");
    c.consumer.influxdb_api = std::string(t);
    return Status::Ok();
  };
  Setter token = [](SiteConfig& c, std::string_view v, const LoadContext& ctx) -> Status {
    return ReadSecretFile(v, ctx, "a token", c.consumer.influxdb_token_file, c.consumer.influxdb_token);
  };
  Setter create = [](SiteConfig& c, std::string_view v, const LoadContext&) -> Status {
    std::string_view t = TrimBlank(v);
    if (t != "true" && t != "false") return Status::InvalidArgument("must be true or false");
    c.consumer.create_database = t == "true";
    return Status::Ok();
  };
  return {
      {"consumer", "influxdb_url", url},
      {"consumer", "influxdb_database",
       str("a non-empty name without blanks", false, &ConsumerConfig::influxdb_database)},
      {"consumer", "influxdb_api", api},
      {"consumer", "influxdb_org", str("a name without blanks", true, &ConsumerConfig::influxdb_org)},
      {"consumer", "influxdb_token_file", token},
      {"consumer", "create_database", create},
      {"consumer", "group", str("a non-empty name without blanks", false, &ConsumerConfig::group)},
      {"consumer", "name", str("a name without blanks", true, &ConsumerConfig::name)},
      {"consumer", "batch_size", num(1, 100000, &ConsumerConfig::batch_size)},
      {"consumer", "flush_interval_ms", num(10, 600000, &ConsumerConfig::flush_interval_ms)},
      {"consumer", "request_timeout_ms", num(100, 600000, &ConsumerConfig::request_timeout_ms)},
      {"consumer", "retry_max_backoff_ms", num(100, 600000, &ConsumerConfig::retry_max_backoff_ms)},
      {"consumer", "claim_idle_ms", num(1000, 86400000, &ConsumerConfig::claim_idle_ms)},
      {"consumer", "listen", ListenKey([](SiteConfig& c) -> HostPort& { return c.consumer.listen; })},
  };
}

// [snmp] and [x509]: the plugins' defaults (context.snmp, context.x509), parsed by snmp_keys.
void AddSnmpKeySpecs(std::vector<KeySpec>& k) {
  for (const std::string& key : SnmpKeyNames()) {
    k.push_back({"snmp", key, [key](SiteConfig& c, std::string_view v, const LoadContext&) {
                   return ApplySnmpKey(c.snmp, key, v);
                 }});
  }
  for (const std::string& key : X509KeyNames()) {
    k.push_back({"x509", key, [key](SiteConfig& c, std::string_view v, const LoadContext& ctx) {
                   return ApplyX509Key(c.x509, key, v, ctx.base_dir);
                 }});
  }
}

const std::vector<KeySpec>& KeySpecs() {
  static const std::vector<KeySpec> specs = [] {
    std::vector<KeySpec> all = BuildKeySpecs();
    std::vector<KeySpec> daemons = BuildDaemonKeySpecs();
    all.insert(all.end(), daemons.begin(), daemons.end());
    std::vector<KeySpec> consumer = BuildConsumerKeySpecs();
    all.insert(all.end(), consumer.begin(), consumer.end());
    AddSnmpKeySpecs(all);
    return all;
  }();
  return specs;
}

bool IsKnownSection(std::string_view name) {
  const auto& specs = KeySpecs();
  return std::any_of(specs.begin(), specs.end(), [&](const KeySpec& k) { return k.section == name; });
}

const KeySpec* FindKey(std::string_view section, std::string_view key) {
  for (const KeySpec& k : KeySpecs()) {
    if (k.section == section && k.key == key) return &k;
  }
  return nullptr;
}

std::string ValueError(const IniDocument& doc, const IniEntry& e, const std::string& reason) {
  return AtLine(doc.path, e.line, "[" + e.section + "] " + e.key + " = " + e.value + ": " + reason);
}

// Rules that involve more than one key.
Status CheckCrossKeyRules(const IniDocument& doc, const SiteConfig& c) {
  if (!c.redis.sentinels.empty() && c.redis.master_name.empty()) {
    const IniEntry* s = doc.Find("redis", "sentinels");
    return Status::InvalidArgument(
        AtLine(doc.path, s ? s->line : 0, "[redis] master_name: required when [redis] sentinels is set"));
  }
  if (!c.redis.username.empty() && c.redis.password.empty()) {
    const IniEntry* u = doc.Find("redis", "username");
    return Status::InvalidArgument(
        AtLine(doc.path, u ? u->line : 0,
               "[redis] username: requires [redis] password_file (AUTH <user> <password>)"));
  }
  if (c.agent.heartbeat_ttl_ms <= c.agent.heartbeat_interval_ms) {
    const IniEntry* t = doc.Find("agent", "heartbeat_ttl_ms");
    if (!t) t = doc.Find("agent", "heartbeat_interval_ms");
    return Status::InvalidArgument(AtLine(doc.path, t ? t->line : 0,
                                          "[agent] heartbeat_ttl_ms (" +
                                              std::to_string(c.agent.heartbeat_ttl_ms) +
                                              ") must be greater than heartbeat_interval_ms (" +
                                              std::to_string(c.agent.heartbeat_interval_ms) + ")"));
  }
  return Status::Ok();
}

// Unknown sections and keys, in line order.
std::vector<std::string> CollectWarnings(const IniDocument& doc) {
  std::vector<std::pair<int, std::string>> found;
  for (const IniSection& s : doc.sections) {
    if (!IsKnownSection(s.name)) found.emplace_back(s.line, "unknown section [" + s.name + "] ignored");
  }
  for (const IniEntry& e : doc.entries) {
    if (IsKnownSection(e.section) && !FindKey(e.section, e.key)) {
      found.emplace_back(e.line, Cat({"[", e.section, "] unknown key '", e.key, "' ignored"}));
    }
  }
  std::stable_sort(found.begin(), found.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> warnings;
  for (const auto& [line, text] : found) warnings.push_back(AtLine(doc.path, line, text));
  return warnings;
}

Result<LoadedSiteConfig> Build(const IniDocument& doc, const std::string& source_path) {
  LoadedSiteConfig out;
  out.config.source_path = source_path;
  LoadContext ctx{DirectoryOf(source_path)};
  for (const IniEntry& e : doc.entries) {
    const KeySpec* spec = FindKey(e.section, e.key);
    if (!spec) continue;
    Status st = spec->set(out.config, e.value, ctx);
    if (!st.ok()) return Status::InvalidArgument(ValueError(doc, e, st.message()));
  }
  PANOPTES_RETURN_IF_ERROR(CheckCrossKeyRules(doc, out.config));
  out.warnings = CollectWarnings(doc);
  return out;
}

}  // namespace

Result<LoadedSiteConfig> ParseSiteConfig(std::string_view text, const std::string& path_for_messages) {
  auto doc = ParseIni(text, path_for_messages, IniOptions{.lowercase_keys = true});
  if (!doc.ok()) return doc.status();
  return Build(*doc, AbsoluteNormal(path_for_messages));
}

Result<LoadedSiteConfig> LoadSiteConfig(const std::string& path) {
  auto doc = ReadIniFile(path, IniOptions{.lowercase_keys = true});
  if (!doc.ok()) return doc.status();
  return Build(*doc, AbsoluteNormal(path));
}

}  // namespace panoptes::config
