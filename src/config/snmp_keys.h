#pragma once
// The keys of the [snmp] and [x509] sections (docs/configuration.md): their parsers and accepted
// ranges, shared by the site config (which stores the values in SiteConfig::snmp / ::x509) and the
// plugin files (whose own [snmp]/[x509] keys are validated the same way but stay strings in
// context.config, as the original hands them to plugins), and panoptes-ctl run's --snmp flags.
// Thread-safe.

#include <string>
#include <string_view>
#include <vector>

#include "panoptes/site_config.h"
#include "panoptes/status.h"

namespace panoptes::config {

// Names of the keys of each section, lowercase, in documentation order.
const std::vector<std::string>& SnmpKeyNames();
const std::vector<std::string>& X509KeyNames();

// Parses `value` for `key` into `out`. kNotFound when `key` is not a key of the section;
// kInvalidArgument with what is accepted (e.g. "must be an integer in 1..120 (seconds)") otherwise.
// A relative x509_*_location is resolved against `base_dir` when it is not empty.
Status ApplySnmpKey(SnmpConfig& out, std::string_view key, std::string_view value);
Status ApplyX509Key(X509Config& out, std::string_view key, std::string_view value,
                    const std::string& base_dir);

}  // namespace panoptes::config
