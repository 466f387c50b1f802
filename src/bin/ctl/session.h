#pragma once
// What the Redis-reading panoptes-ctl subcommands share: the site config and a connection, the
// --kind option, and error output.

#include <memory>
#include <variant>
#include <vector>

#include "core/cli.h"
#include "panoptes/kind.h"
#include "panoptes/site_config.h"
#include "panoptes/status.h"
#include "redis/client.h"

namespace panoptes::ctl {

struct Session {
  SiteConfig site;
  std::unique_ptr<redis::Client> client;

  // Loads the site config and connects. On failure prints the error and returns the exit code
  // (2 for a bad config, 1 when Redis cannot be reached).
  static std::variant<Session, int> Open(const core::ParsedArgs& args);
};

// The Redis server's clock (TIME) in epoch seconds: ages are measured on the clock that stamped them.
Result<double> ServerTime(redis::Client& client);

// Prints "error: <message>" (non-printable bytes escaped) to stderr; returns `exit_code`.
int PrintError(const Status& status, int exit_code);

// --kind K as a list of one kind; every kind when absent. kInvalidArgument for a bad name.
Result<std::vector<PluginKind>> KindsOption(const core::ParsedArgs& args);

}  // namespace panoptes::ctl
