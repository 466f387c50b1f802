// panoptes-ctl run's inputs (run_inputs.h).
#include "bin/ctl/run_inputs.h"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "config/snmp_keys.h"

namespace panoptes::ctl {
namespace {

using nlohmann::json;

Result<json> ReadJsonFile(const std::string& option, const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("--" + option + " " + path + ": cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  json j = json::parse(text.str(), nullptr, false);
  if (j.is_discarded()) return Status::InvalidArgument("--" + option + " " + path + ": not valid JSON");
  return j;
}

// "KEY=VALUE" split at the first '='; the key must not be empty.
Result<std::pair<std::string, std::string>> KeyValue(const std::string& option, const std::string& item) {
  size_t eq = item.find('=');
  if (eq == std::string::npos || eq == 0) {
    return Status::InvalidArgument("--" + option + " " + item + ": expected KEY=VALUE");
  }
  return std::make_pair(item.substr(0, eq), item.substr(eq + 1));
}

// A JSON object of strings: {"snmp_community_string:dc1": "public", ...}.
Status LoadSecrets(const core::ParsedArgs& args, plugin::MemorySecretStore& secrets) {
  if (auto file = args.Get("secrets-file")) {
    auto j = ReadJsonFile("secrets-file", *file);
    if (!j.ok()) return j.status();
    if (!j->is_object())
      return Status::InvalidArgument("--secrets-file " + *file + ": expected a JSON object");
    for (const auto& [key, value] : j->items()) {
      if (!value.is_string()) {
        return Status::InvalidArgument("--secrets-file " + *file + ": secret '" + key + "' is not a string");
      }
      secrets.Put(key, value.get<std::string>());
    }
  }
  for (const std::string& item : args.GetAll("secret")) {
    auto kv = KeyValue("secret", item);
    if (!kv.ok()) return kv.status();
    secrets.Put(kv->first, kv->second);
  }
  return Status::Ok();
}

// A JSON object: a string value is a key, an array of strings a set (set_members).
Status LoadKv(const core::ParsedArgs& args, plugin::MemoryKvStore& kv) {
  if (auto file = args.Get("kv-file")) {
    auto j = ReadJsonFile("kv-file", *file);
    if (!j.ok()) return j.status();
    if (!j->is_object()) return Status::InvalidArgument("--kv-file " + *file + ": expected a JSON object");
    for (const auto& [key, value] : j->items()) {
      Status st = Status::Ok();
      if (value.is_string()) {
        st = kv.Set(key, value.get<std::string>(), std::nullopt);
      } else if (value.is_array()) {
        for (const auto& member : value) {
          if (!member.is_string()) st = Status::InvalidArgument("");
          if (st.ok()) st = kv.SetAdd(key, member.get<std::string>());
        }
      } else {
        st = Status::InvalidArgument("");
      }
      if (!st.ok()) {
        return Status::InvalidArgument("--kv-file " + *file + ": key '" + key +
                                       "' must be a string or an array of strings");
      }
    }
  }
  for (const std::string& item : args.GetAll("kv")) {
    auto pair = KeyValue("kv", item);
    if (!pair.ok()) return pair.status();
    PANOPTES_RETURN_IF_ERROR(kv.Set(pair->first, pair->second, std::nullopt));
  }
  return Status::Ok();
}

// What `panoptes-ctl run` prints for an enrichment plugin: an array (or one object) of
// {"resource_id", "namespace", "data", "metadata"}.
Status LoadEnrichment(const core::ParsedArgs& args, plugin::MemoryEnrichmentSource& enrichment) {
  auto file = args.Get("enrichment-file");
  if (!file) return Status::Ok();
  auto j = ReadJsonFile("enrichment-file", *file);
  if (!j.ok()) return j.status();
  json groups = j->is_array() ? *j : json::array({*j});
  for (size_t i = 0; i < groups.size(); ++i) {
    const json& g = groups[i];
    bool ok = g.is_object() && g.contains("resource_id") && g["resource_id"].is_string() &&
              g.contains("namespace") && g["namespace"].is_string() && g.contains("data") &&
              g["data"].is_object() && g.contains("metadata") && g["metadata"].is_object();
    if (!ok) {
      return Status::InvalidArgument("--enrichment-file " + *file + ": entry " + std::to_string(i) +
                                     " needs resource_id, namespace (strings), data and metadata (objects), "
                                     "as panoptes-ctl run prints for an enrichment plugin");
    }
    json stored = {{"data", g["data"]}, {"metadata", g["metadata"]}};
    enrichment.Put(g["resource_id"].get<std::string>(), g["namespace"].get<std::string>(), stored.dump());
  }
  return Status::Ok();
}

}  // namespace

void AddRunInputOptions(core::ArgParser& p) {
  p.Add({"secrets-file", "FILE",
         "JSON object of secrets (context.secrets), e.g. {\"snmp_community_string:dc1\": \"x\"}"});
  p.Add({"secret", "KEY=VALUE", "one secret (repeatable)"});
  p.Add({"kv-file", "FILE", "JSON object of kv keys (context.kv): strings, or arrays of strings for sets"});
  p.Add({"kv", "KEY=VALUE", "one kv key (repeatable)"});
  p.Add({"enrichment-file", "FILE",
         "stored enrichment: what `panoptes-ctl run` printed for an enrichment plugin"});
  p.Add({"snmp", "KEY=VALUE", "an [snmp] setting, over the site's and the plugin file's (repeatable)"});
  p.Add({"snmp-port", "PORT", "same as --snmp port=PORT (e.g. a local simulator)"});
}

Status LoadRunServices(const core::ParsedArgs& args, plugin::MemoryKvStore& kv,
                       plugin::MemorySecretStore& secrets, plugin::MemoryEnrichmentSource& enrichment) {
  PANOPTES_RETURN_IF_ERROR(LoadSecrets(args, secrets));
  PANOPTES_RETURN_IF_ERROR(LoadKv(args, kv));
  return LoadEnrichment(args, enrichment);
}

Status ApplySnmpFlags(const core::ParsedArgs& args, SiteConfig& site, PluginInfo& info) {
  std::vector<std::string> items = args.GetAll("snmp");
  if (auto port = args.Get("snmp-port")) items.push_back("port=" + *port);
  for (const std::string& item : items) {
    auto pair = KeyValue("snmp", item);
    if (!pair.ok()) return pair.status();
    Status st = config::ApplySnmpKey(site.snmp, pair->first, pair->second);
    if (!st.ok()) return Status::InvalidArgument("--snmp " + item + ": " + st.message());
    auto section = info.sections.find("snmp");
    if (section != info.sections.end() && section->second.count(pair->first) != 0) {
      section->second[pair->first] = pair->second;
    }
  }
  return Status::Ok();
}

}  // namespace panoptes::ctl
