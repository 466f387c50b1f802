#pragma once
// The one door to inih. Parses INI text into an ordered list of (section, key, value, line) entries
// so that callers can validate values and name the line of every bad one. inih is built by Debian
// without line numbers in its handler, so the reader we hand it counts lines itself.
//
// Syntax (inih's, close to Python's configparser): `[section]`, `key = value` or `key: value`,
// full-line comments starting with `;` or `#`, inline comments ` ;`, continuation lines (indented,
// after a key) appended to the value with "\n". Lines are limited to kMaxIniLine characters (a
// compile-time limit of Debian's inih); longer values go on continuation lines.
// Stateless functions; thread-safe.

#include <string>
#include <string_view>
#include <vector>

#include "panoptes/status.h"

namespace panoptes::config {

inline constexpr std::size_t kMaxIniLine = 199;

struct IniEntry {
  std::string section;  // as written (case preserved)
  std::string key;      // as written, or lowercased when IniOptions::lowercase_keys
  std::string value;    // trimmed; continuation lines joined with "\n"
  int line = 0;         // 1-based line of the key
};

struct IniSection {
  std::string name;
  int line = 0;  // line of its first header
};

struct IniDocument {
  std::string path;                  // for messages
  std::vector<IniSection> sections;  // in order of first appearance, even when empty
  std::vector<IniEntry> entries;     // in file order; no (section, key) appears twice

  // The entry for (section, key), or nullptr.
  const IniEntry* Find(std::string_view section, std::string_view key) const;
  bool HasSection(std::string_view section) const;
};

struct IniOptions {
  bool lowercase_keys = false;  // configparser semantics: keys are case-insensitive
};

// Parses `text`. Errors ("<path>:<line>: <reason>"): syntax errors, keys outside any section,
// duplicate keys within a section, over-long lines.
Result<IniDocument> ParseIni(std::string_view text, const std::string& path_for_messages,
                             IniOptions options = {});

// Reads and parses the file at `path`; a missing or unreadable file is an error naming it.
Result<IniDocument> ReadIniFile(const std::string& path, IniOptions options = {});

// "<path>:<line>: <text>" (or "<path>: <text>" when line is 0).
std::string AtLine(const std::string& path, int line, std::string_view text);

}  // namespace panoptes::config
