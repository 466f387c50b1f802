#pragma once
// What `panoptes-ctl run` hands a plugin besides its resource: secrets, kv and stored enrichment
// from files and flags, and SNMP settings from flags (docs/plugin-api.md, "panoptes-ctl run").

#include "core/cli.h"
#include "panoptes/plugin_info.h"
#include "panoptes/site_config.h"
#include "panoptes/status.h"
#include "plugin/memory_services.h"

namespace panoptes::ctl {

// Declares --secrets-file, --secret, --kv-file, --kv, --enrichment-file, --snmp, --snmp-port.
void AddRunInputOptions(core::ArgParser& p);

// Fills the in-memory services from --secrets-file / --secret, --kv-file / --kv and
// --enrichment-file (files first, then flags, in command-line order). kInvalidArgument naming the
// option, file and what is wrong.
Status LoadRunServices(const core::ParsedArgs& args, plugin::MemoryKvStore& kv,
                       plugin::MemorySecretStore& secrets, plugin::MemoryEnrichmentSource& enrichment);

// Applies --snmp KEY=VALUE and --snmp-port N to the site's [snmp] (context.snmp) and, for keys the
// plugin file sets itself, to its [snmp] section too: a flag wins over both. Values are checked as
// the site config checks them.
Status ApplySnmpFlags(const core::ParsedArgs& args, SiteConfig& site, PluginInfo& info);

}  // namespace panoptes::ctl
