#include "config/plugin_file.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>

#include "config/identity.h"
#include "config/ini_reader.h"
#include "config/snmp_keys.h"
#include "config/values.h"

namespace panoptes::config {
namespace {

constexpr int64_t kMaxSeconds = 31536000;  // one year: bounds every duration of a plugin file

// Builds error messages for one plugin file.
struct Reporter {
  const IniDocument& doc;

  Status Missing(const std::string& what) const { return Status::InvalidArgument(AtLine(doc.path, 0, what)); }
  Status Bad(const IniEntry& e, const std::string& display_key, const std::string& reason) const {
    return Status::InvalidArgument(
        AtLine(doc.path, e.line, "[" + e.section + "] " + display_key + " = " + e.value + ": " + reason));
  }
};

int64_t MtimeNs(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

IniSections SectionsOf(const IniDocument& doc) {
  IniSections out;
  for (const IniSection& s : doc.sections) out[s.name];
  for (const IniEntry& e : doc.entries) out[e.section][e.key] = e.value;
  return out;
}

// A mandatory single-line, non-empty value.
Result<std::string> Required(const Reporter& r, std::string_view section, std::string_view key,
                             const std::string& display_key) {
  const IniEntry* e = r.doc.Find(section, key);
  std::string where = Cat({"[", section, "] ", display_key});
  if (!e) return r.Missing(where + " is missing (mandatory)");
  if (e->value.empty()) return r.Bad(*e, display_key, "must not be empty");
  if (e->value.find('\n') != std::string::npos) return r.Bad(*e, display_key, "must fit on one line");
  return e->value;
}

Status ResolveModule(const Reporter& r, PluginInfo& info) {
  auto module = Required(r, "Core", "module", "Module");
  if (!module.ok()) return module.status();
  std::string tried = ResolveAgainst(DirectoryOf(info.file), *module);
  if (tried.size() < 3 || tried.compare(tried.size() - 3, 3, ".py") != 0) tried += ".py";
  std::error_code ec;
  if (!std::filesystem::is_regular_file(tried, ec)) {
    const char* why = std::filesystem::exists(tried, ec) ? "is not a regular file" : "does not exist";
    return r.Bad(*r.doc.Find("Core", "module"), "Module", "module file " + tried + " " + why);
  }
  info.module_path = tried;
  info.module_mtime_ns = MtimeNs(tried);
  return Status::Ok();
}

Status ReadCore(const Reporter& r, PluginInfo& info) {
  if (!r.doc.HasSection("Core")) return r.Missing("missing mandatory section [Core]");
  auto name = Required(r, "Core", "name", "Name");
  if (!name.ok()) return name.status();
  info.name = *name;
  info.normalized_name = NormalizedName(info.name);
  PANOPTES_RETURN_IF_ERROR(ResolveModule(r, info));
  if (const IniEntry* cls = r.doc.Find("Core", "class"); cls && !cls->value.empty()) {
    if (!IsPythonIdentifier(cls->value)) return r.Bad(*cls, "Class", "must be a Python class name");
    info.class_name = cls->value;
  }
  if (!r.doc.HasSection("Documentation")) return r.Missing("missing mandatory section [Documentation]");
  return Status::Ok();
}

// An optional integer key of [main]; `fallback` when absent.
Result<int> MainInt(const Reporter& r, std::string_view key, int64_t min, int fallback) {
  const IniEntry* e = r.doc.Find("main", key);
  if (!e) return fallback;
  auto v = ParseInteger(e->value, min, kMaxSeconds);
  if (!v.ok()) return r.Bad(*e, std::string(key), v.status().message() + " (seconds)");
  return static_cast<int>(*v);
}

Status ReadTimings(const Reporter& r, PluginInfo& info) {
  if (!r.doc.HasSection("main")) return r.Missing("missing mandatory section [main]");
  if (!r.doc.Find("main", "execute_frequency"))
    return r.Missing("[main] execute_frequency is missing (mandatory)");
  auto freq = MainInt(r, "execute_frequency", 1, 0);
  if (!freq.ok()) return freq.status();
  const int f = info.execute_frequency = *freq;
  struct IntKey {
    const char* key;
    int64_t min;
    int fallback;
    int* field;
  };
  for (const IntKey& k :
       {IntKey{"results_cache_age", 0, 0, &info.results_cache_age},
        IntKey{"enrichment_ttl", 1, 3 * f, &info.enrichment_ttl},
        IntKey{"resource_ttl", 1, 604800, &info.resource_ttl}, IntKey{"expires", 1, 2 * f, &info.expires}}) {
    auto v = MainInt(r, k.key, k.min, k.fallback);
    if (!v.ok()) return v.status();
    *k.field = *v;
  }
  info.time_limit = 1.25 * f;
  if (const IniEntry* e = r.doc.Find("main", "time_limit")) {
    auto v = ParsePositiveSeconds(e->value);
    if (!v.ok() || *v > kMaxSeconds) {
      return r.Bad(*e, "time_limit",
                   "must be a number of seconds in (0, " + std::to_string(kMaxSeconds) + "]");
    }
    info.time_limit = *v;
  }
  return Status::Ok();
}

Status ReadFilter(const Reporter& r, PluginInfo& info) {
  const IniEntry* e = r.doc.Find("main", "resource_filter");
  if (info.kind == PluginKind::kDiscovery) {
    // The original's discovery plugin files may carry one; it never used it.
    if (e) {
      info.warnings.push_back(AtLine(r.doc.path, e->line,
                                     "[main] resource_filter ignored: discovery plugins find resources, "
                                     "they are not run on them"));
    }
    return Status::Ok();
  }
  if (!e) {
    return r.Missing("[main] resource_filter is missing (mandatory for " + std::string(KindName(info.kind)) +
                     " plugins)");
  }
  if (TrimBlank(e->value).empty()) return r.Bad(*e, "resource_filter", "must not be empty");
  info.resource_filter = e->value;
  return Status::Ok();
}

bool IsNamespace(std::string_view ns) {
  if (ns == "*") return true;
  return !ns.empty() && std::all_of(ns.begin(), ns.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  });
}

// "[enrichment] preload = self:<ns>[, <resource_id>:<ns>...]", polling and enrichment plugins.
Status ReadPreload(const Reporter& r, PluginInfo& info) {
  const IniEntry* e = r.doc.Find("enrichment", "preload");
  if (!e) return Status::Ok();
  if (info.kind == PluginKind::kDiscovery)
    return r.Bad(*e, "preload", "discovery plugins have no resource to preload enrichments for");
  const std::string accepted = "must be a comma list of self:<namespace> or <resource_id>:<namespace>";
  for (const std::string& item : SplitList(e->value)) {
    std::size_t colon = item.find(':');
    if (colon == std::string::npos || item.find(':', colon + 1) != std::string::npos) {
      return r.Bad(*e, "preload", "item '" + item + "': " + accepted);
    }
    std::string id(TrimBlank(std::string_view(item).substr(0, colon)));
    std::string ns(TrimBlank(std::string_view(item).substr(colon + 1)));
    if (id.empty() || HasBlank(id) || !IsNamespace(ns)) {
      return r.Bad(*e, "preload",
                   "item '" + item + "': " + accepted + " (namespace: letters, digits, '_-.' or '*')");
    }
    PreloadSpec spec{id == "self", id == "self" ? "" : id, ns};
    if (std::find(info.preload.begin(), info.preload.end(), spec) == info.preload.end())
      info.preload.push_back(spec);
  }
  return Status::Ok();
}

// "[transforms] <name> = rate:<group_type>:<metric>[,<metric>...]", polling plugins only.
Status ReadTransforms(const Reporter& r, PluginInfo& info) {
  const std::string accepted = "must be rate:<group_type>:<metric>[,<metric>...]";
  for (const IniEntry& e : r.doc.entries) {
    if (e.section != "transforms") continue;
    if (info.kind != PluginKind::kPolling) return r.Bad(e, e.key, "only polling plugins have transforms");
    std::string_view v = TrimBlank(e.value);
    std::size_t first = v.find(':');
    std::size_t second = first == std::string_view::npos ? first : v.find(':', first + 1);
    if (second == std::string_view::npos || v.find(':', second + 1) != std::string_view::npos) {
      return r.Bad(e, e.key, accepted);
    }
    TransformSpec spec{e.key, std::string(TrimBlank(v.substr(0, first))),
                       std::string(TrimBlank(v.substr(first + 1, second - first - 1))),
                       SplitList(v.substr(second + 1))};
    if (spec.type != "rate") return r.Bad(e, e.key, "unknown transform '" + spec.type + "' (there is: rate)");
    if (spec.group_type.empty() || HasBlank(spec.group_type)) {
      return r.Bad(e, e.key, accepted + " (the group type is empty or has blanks)");
    }
    if (spec.metrics.empty()) return r.Bad(e, e.key, accepted + " (no metric named)");
    info.transforms.push_back(std::move(spec));
  }
  return Status::Ok();
}

// "[limits] address_space_mb | cpu_s | open_files = <n>": this plugin's runs' rlimits (the keys of
// [agent] worker_*, with the same ranges). Unknown keys are errors: a typo must not drop a limit.
Status ReadLimits(const Reporter& r, PluginInfo& info) {
  struct Key {
    const char* name;
    int64_t min, max;
    std::optional<int64_t> RunLimits::*field;
  };
  static constexpr Key kKeys[] = {{"address_space_mb", 0, 4194304, &RunLimits::address_space_mb},
                                  {"cpu_s", 0, 86400, &RunLimits::cpu_s},
                                  {"open_files", 32, 1048576, &RunLimits::open_files}};
  for (const IniEntry& e : r.doc.entries) {
    if (e.section != "limits") continue;
    const Key* key = nullptr;
    for (const Key& k : kKeys) key = e.key == k.name ? &k : key;
    if (!key) return r.Bad(e, e.key, "unknown key (there are: address_space_mb, cpu_s, open_files)");
    auto v = ParseInteger(e.value, key->min, key->max);
    if (!v.ok()) return r.Bad(e, e.key, v.status().message());
    info.limits.*(key->field) = *v;
  }
  return Status::Ok();
}

// The plugin's own [snmp] and [x509] keys: checked as the site config checks them (the values stay
// strings in context.config). Keys we do not know are the plugin's own business.
Status ReadSnmp(const Reporter& r) {
  SnmpConfig snmp;
  X509Config x509;
  for (const IniEntry& e : r.doc.entries) {
    Status st = e.section == "snmp"   ? ApplySnmpKey(snmp, e.key, e.value)
                : e.section == "x509" ? ApplyX509Key(x509, e.key, e.value, "")
                                      : Status::Ok();
    if (!st.ok() && st.code() != StatusCode::kNotFound) return r.Bad(e, e.key, st.message());
  }
  return Status::Ok();
}

// The module file and the directories of both files (the plugin file itself is checked before it
// is read). Directories are checked first: they decide who could have replaced the files.
Status CheckModuleTrusted(const PluginInfo& info) {
  PANOPTES_RETURN_IF_ERROR(CheckTrusted(DirectoryOf(info.file)));
  PANOPTES_RETURN_IF_ERROR(CheckTrusted(DirectoryOf(info.module_path)));
  return CheckTrusted(info.module_path);
}

Result<PluginInfo> FromDocument(const Result<IniDocument>& doc, std::string file, PluginKind kind,
                                const PluginFileChecks& checks) {
  if (!doc.ok()) return doc.status();
  PluginInfo info;
  info.kind = kind;
  info.file = std::move(file);
  Reporter r{*doc};
  PANOPTES_RETURN_IF_ERROR(ReadCore(r, info));
  if (checks.permissions) PANOPTES_RETURN_IF_ERROR(CheckModuleTrusted(info).WithContext(info.file));
  PANOPTES_RETURN_IF_ERROR(ReadTimings(r, info));
  PANOPTES_RETURN_IF_ERROR(ReadFilter(r, info));
  PANOPTES_RETURN_IF_ERROR(ReadPreload(r, info));
  PANOPTES_RETURN_IF_ERROR(ReadTransforms(r, info));
  PANOPTES_RETURN_IF_ERROR(ReadLimits(r, info));
  PANOPTES_RETURN_IF_ERROR(ReadSnmp(r));
  info.sections = SectionsOf(*doc);
  info.file_mtime_ns = MtimeNs(info.file);
  return info;
}

}  // namespace

Result<PluginInfo> LoadPluginFile(const std::string& path, PluginKind kind, const PluginFileChecks& checks) {
  std::string file = AbsoluteNormal(path);
  if (checks.permissions) {
    Status trusted = CheckTrusted(file);
    // A missing file is ReadIniFile's error to report, in its words.
    if (!trusted.ok() && trusted.code() != StatusCode::kNotFound) return trusted;
  }
  return FromDocument(ReadIniFile(file, IniOptions{.lowercase_keys = true}), file, kind, checks);
}

Result<PluginInfo> ParsePluginFile(std::string_view text, const std::string& path, PluginKind kind,
                                   const PluginFileChecks& checks) {
  std::string file = AbsoluteNormal(path);
  return FromDocument(ParseIni(text, file, IniOptions{.lowercase_keys = true}), file, kind, checks);
}

PluginFileChecks ChecksOf(const SiteConfig& site) {
  return PluginFileChecks{.permissions = site.main.plugins_check_permissions};
}

}  // namespace panoptes::config
