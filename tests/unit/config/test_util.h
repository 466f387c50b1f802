#pragma once
// Helpers for the config unit tests: a scratch directory removed at scope exit, file writing,
// absolute fixture paths (tests run with cwd = tests/), and site config texts checked for the error
// they get.

#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "config/site_config.h"

namespace panoptes::config::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "panoptes-config-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::permissions(path_, std::filesystem::perms::owner_all, ec);
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string operator/(const std::string& rel) const { return path_ + "/" + rel; }

 private:
  std::string path_;
};

// Writes `text` to `path` with mode 0644, creating missing parent directories with mode 0755:
// explicit modes, whatever the umask, since plugin files others could write are refused.
inline void WriteFile(const std::string& path, const std::string& text) {
  namespace fs = std::filesystem;
  fs::path parent = fs::path(path).parent_path();
  std::vector<fs::path> created;
  for (fs::path p = parent; !p.empty() && !fs::exists(p); p = p.parent_path()) created.push_back(p);
  fs::create_directories(parent);
  for (const fs::path& p : created) fs::permissions(p, fs::perms(0755));
  std::ofstream(path) << text;
  fs::permissions(path, fs::perms(0644));
}

// Absolute, lexically normal path of a file below tests/fixtures/.
inline std::string Fixture(const std::string& rel) {
  return (std::filesystem::current_path() / "fixtures" / rel).lexically_normal().string();
}

// A minimal valid polling plugin file whose module is the polling fixture module.
inline std::string PollingPluginText(const std::string& name) {
  return "[Core]\nName = " + name + "\nModule = " + Fixture("plugin_files/modules/polling_example.py") +
         "\n\n[Documentation]\n\n[main]\nexecute_frequency = 60\nresource_filter = resource_class = \"x\"\n";
}

// The path the site config texts of the tests are read as.
inline constexpr const char* kSitePath = "/etc/panoptes/panoptes.ini";

// The error message the site config `text` read as `path` gets; "" when it loads.
inline std::string SiteConfigError(const std::string& text, const std::string& path = kSitePath) {
  auto loaded = ParseSiteConfig(text, path);
  return loaded.ok() ? "" : loaded.status().message();
}

// One bad value of a site config key and the reason its error gives.
struct BadSiteValue {
  const char* section;
  const char* key;
  const char* value;
  const char* reason;
};

inline void PrintTo(const BadSiteValue& b, std::ostream* os) {
  *os << "[" << b.section << "] " << b.key << " = " << b.value;
}

// Whether `before` followed by "[section]\nkey = value\n", read as kSitePath, is refused
// (kInvalidArgument) with exactly "<kSitePath>:<the key's line>: [section] key = value: <reason>".
inline ::testing::AssertionResult RefusedWithReason(const BadSiteValue& b, const std::string& before = "") {
  std::string text = before + "[" + b.section + "]\n" + b.key + " = " + b.value + "\n";
  auto loaded = ParseSiteConfig(text, kSitePath);
  if (loaded.ok()) return ::testing::AssertionFailure() << "accepted:\n" << text;
  std::string line = std::to_string(std::count(before.begin(), before.end(), '\n') + 2);
  std::string want = std::string(kSitePath) + ":" + line + ": [" + b.section + "] " + b.key + " = " +
                     b.value + ": " + b.reason;
  if (loaded.status().code() != StatusCode::kInvalidArgument || loaded.status().message() != want) {
    return ::testing::AssertionFailure()
           << "refused with " << loaded.status().ToString() << "\n  wanted " << want;
  }
  return ::testing::AssertionSuccess();
}

}  // namespace panoptes::config::testing
