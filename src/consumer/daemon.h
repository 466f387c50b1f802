#pragma once
// panoptes-consumer as a whole (docs/outputs.md): the consumer loop on the main thread, /metrics and
// /healthz on a listener thread, signals and systemd notify. main() parses the command line and
// loads the site config, then calls RunConsumer.

#include <string>

#include "panoptes/site_config.h"

namespace panoptes::consumer {

// Runs until SIGTERM/SIGINT: stops taking entries, writes what it holds (for up to 10 s; anything
// unwritten stays pending for another consumer) and returns 0. SIGHUP re-reads `config_path`:
// batch_size, flush_interval_ms, retry_max_backoff_ms and claim_idle_ms apply at once, other
// changes at the next start (logged). Returns the process exit code (core::kExit*).
// REQUIRES: called from main() before any thread is started (threads inherit its signal mask).
int RunConsumer(const SiteConfig& site, const std::string& config_path);

// The consumer's name in its group: [consumer] name, else "<host>:<pid>".
std::string ConsumerName(const ConsumerConfig& config);

}  // namespace panoptes::consumer
