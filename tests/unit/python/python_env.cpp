#include "python_env.h"

#include <gtest/gtest.h>

#include <memory>

namespace panoptes::testing {
namespace {

std::unique_ptr<python::Interpreter> g_interpreter;

class PythonEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    auto started =
        python::Interpreter::Start({{std::string(PANOPTES_SOURCE_DIR) + "/tests/fixtures/python_path"}});
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    g_interpreter = std::move(started).value();
  }
  void TearDown() override { g_interpreter.reset(); }
};

const auto* const kRegistered = ::testing::AddGlobalTestEnvironment(new PythonEnvironment);

}  // namespace

python::Interpreter& TestInterpreter() {
  return *g_interpreter;
}

PluginInfo FixturePlugin(PluginKind kind, const std::string& module, const std::string& class_name) {
  PluginInfo info;
  info.kind = kind;
  info.name = module + (class_name.empty() ? "" : "." + class_name);
  info.normalized_name = info.name;
  for (char& c : info.normalized_name) {
    if (!isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  std::string dir = std::string(PANOPTES_SOURCE_DIR) + "/tests/fixtures/python_plugins/";
  info.file = dir + info.name + ".panoptes-plugin";  // need not exist: the host keys its cache on it
  info.module_path = dir + module + ".py";
  info.class_name = class_name;
  info.execute_frequency = 60;
  info.sections = {{"Core", {{"name", info.name}, {"module", module}}},
                   {"main", {{"execute_frequency", "60"}}}};
  return info;
}

Resource TestResource(const std::string& id) {
  Resource r;
  r.site = "dc1";
  r.class_ = "network";
  r.subclass = "switch";
  r.type = "acme";
  r.id = id;
  r.endpoint = id + ".example.com";
  r.plugin = "TestDiscovery";
  r.creation_timestamp = 1700000000.25;
  r.metadata = {{"model", "x1"}, {"_resource_ttl", "3600"}};
  return r;
}

}  // namespace panoptes::testing
