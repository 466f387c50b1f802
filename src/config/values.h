#pragma once
// Value parsers shared by the site config and the plugin files. Each returns the parsed value or an
// error whose message says what is accepted ("must be an integer in 1..65535"); the caller prefixes
// the file, line, section, key and value. Internal to panoptes_config. Thread-safe.

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "panoptes/site_config.h"
#include "panoptes/status.h"

namespace panoptes::config {

// Concatenation that avoids GCC 12's false -Wrestrict on `"literal" + std::string(...)`.
std::string Cat(std::initializer_list<std::string_view> parts);

std::string_view TrimBlank(std::string_view s);

// A decimal integer (optional sign, surrounding blanks allowed) within [min, max].
Result<int64_t> ParseInteger(std::string_view text, int64_t min, int64_t max);

// A finite decimal number > 0 (e.g. "90", "12.5").
Result<double> ParsePositiveSeconds(std::string_view text);

// Splits on ',' and newlines, trims blanks, drops empty items.
std::vector<std::string> SplitList(std::string_view text);

// "host:port" or "[v6addr]:port" with port in [min_port, 65535].
Result<HostPort> ParseHostPort(std::string_view text, int min_port);

// "http://host[:port][/path]" (port 1..65535, default 80; a trailing '/' dropped). https:// is
// refused (no TLS in this build: put a TLS-terminating proxy on loopback in front).
Result<HttpUrl> ParseHttpUrl(std::string_view text);

// Letters, digits, '_' and '-', at least one character.
bool IsSiteName(std::string_view s);
// A Python identifier (ASCII): [A-Za-z_][A-Za-z0-9_]*.
bool IsPythonIdentifier(std::string_view s);
bool HasBlank(std::string_view s);

// `path` made absolute against `base_dir` when relative, lexically normalised.
std::string ResolveAgainst(const std::string& base_dir, std::string_view path);
// `path` made absolute against the working directory when relative, lexically normalised.
std::string AbsoluteNormal(const std::string& path);
// The absolute directory holding `file` (a relative file is taken from the working directory).
std::string DirectoryOf(const std::string& file);

}  // namespace panoptes::config
