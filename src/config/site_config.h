#pragma once
// Loading and validating the site-wide configuration (docs/configuration.md) into panoptes::SiteConfig.
// docs/configuration.md is the reference for every key, its default and its accepted range.
//
// Errors name the file, line, section, key, the value and what is accepted, e.g.
//   /etc/panoptes/panoptes.ini:12: [redis] port = 70000: must be an integer in 1..65535
// Unknown sections and keys are not errors: they come back as warnings (naming file, line, section
// and key) for the caller to log. Section names are case-sensitive, key names are not.
// Relative paths (plugins_paths, password_file, [python] path) are taken from the INI file's
// directory. The Redis password is read from password_file here and never appears in a message.
// Stateless functions; thread-safe.

#include <string>
#include <string_view>
#include <vector>

#include "panoptes/site_config.h"
#include "panoptes/status.h"

namespace panoptes::config {

struct LoadedSiteConfig {
  SiteConfig config;
  std::vector<std::string> warnings;  // unknown sections/keys, one line each
};

// Reads and validates the INI file at `path`. A missing file, an INI syntax error or any bad value
// is an error (kNotFound / kInvalidArgument / kIOError) whose message starts with the file name.
Result<LoadedSiteConfig> LoadSiteConfig(const std::string& path);

// Same as LoadSiteConfig on `text`; `path_for_messages` names the file in messages, becomes
// config.source_path and its directory anchors relative paths.
Result<LoadedSiteConfig> ParseSiteConfig(std::string_view text, const std::string& path_for_messages);

}  // namespace panoptes::config
