#pragma once
// The test binary's one Interpreter (CPython starts once per process), created by a GoogleTest
// global environment before any test, plus helpers to describe fixture plugins.

#include <string>

#include "panoptes/plugin_info.h"
#include "python/host.h"

namespace panoptes::testing {

python::Interpreter& TestInterpreter();

// A PluginInfo for tests/fixtures/python_plugins/<module>.py without a plugin file.
PluginInfo FixturePlugin(PluginKind kind, const std::string& module, const std::string& class_name = "");

// A resource as discovered by a plugin.
Resource TestResource(const std::string& id = "host-1");

}  // namespace panoptes::testing
