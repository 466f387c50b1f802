#include "config/ini_reader.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <utility>

#include <ini.h>

#include "config/values.h"

namespace panoptes::config {
namespace {

bool IsBlank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsBlank(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsBlank(s.back())) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// State shared by the line reader and the handler that inih calls back. The reader classifies each
// raw line the way inih will (section header, continuation) so the handler knows the line number,
// whether a value continues the previous key, and which sections exist even when empty.
struct ParseState {
  std::string_view text;
  std::size_t pos = 0;
  int line = 0;
  bool continuation = false;  // the current line continues the previous key's value
  bool have_prev_key = false;
  IniOptions options;
  IniDocument doc;
  std::map<std::pair<std::string, std::string>, int> key_lines;  // (section, key) -> line
  int error_line = 0;
  std::string error;

  void SetError(int at, std::string reason) {
    if (error_line == 0 || at < error_line) {
      error_line = at;
      error = std::move(reason);
    }
  }
};

void ClassifyLine(ParseState& st, std::string_view content) {
  if (st.line == 1 && content.substr(0, 3) == "\xEF\xBB\xBF") content.remove_prefix(3);
  std::string_view stripped = Trim(content);
  st.continuation = false;
  if (stripped.empty() || stripped.front() == ';' || stripped.front() == '#') return;
  if (st.have_prev_key && IsBlank(content.front())) {
    st.continuation = true;
  } else if (stripped.front() == '[') {
    std::size_t close = stripped.find(']');
    if (close != std::string_view::npos) {
      std::string name(stripped.substr(1, close - 1));
      bool known = std::any_of(st.doc.sections.begin(), st.doc.sections.end(),
                               [&](const IniSection& s) { return s.name == name; });
      if (!known) st.doc.sections.push_back({name, st.line});
    }
    st.have_prev_key = false;
  } else if (stripped.find_first_of("=:") != std::string_view::npos) {
    st.have_prev_key = true;
  }
}

// fgets-like reader over st.text: copies one line (without its newline) into buf.
char* ReadLine(char* buf, int size, void* stream) {
  auto& st = *static_cast<ParseState*>(stream);
  if (st.pos >= st.text.size()) return nullptr;
  std::size_t nl = st.text.find('\n', st.pos);
  std::size_t end = nl == std::string_view::npos ? st.text.size() : nl;
  std::string_view content = st.text.substr(st.pos, end - st.pos);
  st.pos = nl == std::string_view::npos ? st.text.size() : nl + 1;
  if (!content.empty() && content.back() == '\r') content.remove_suffix(1);
  ++st.line;
  const std::size_t limit = std::min<std::size_t>(kMaxIniLine, static_cast<std::size_t>(size - 1));
  if (content.size() > limit) {
    st.SetError(st.line, "line is longer than " + std::to_string(limit) +
                             " characters; split a long value over indented continuation lines");
    content = content.substr(0, limit);
  }
  ClassifyLine(st, content);
  std::memcpy(buf, content.data(), content.size());
  buf[content.size()] = '\0';
  return buf;
}

int OnEntry(void* user, const char* section, const char* name, const char* value) {
  auto& st = *static_cast<ParseState*>(user);
  std::string key = st.options.lowercase_keys ? Lower(name) : std::string(name);
  if (st.continuation && !st.doc.entries.empty()) {
    st.doc.entries.back().value.append("\n").append(value);
    return 1;
  }
  if (*section == '\0') {
    st.SetError(st.line, "key '" + key + "' appears before any [section] header");
    return 1;
  }
  auto [it, inserted] = st.key_lines.emplace(std::make_pair(std::string(section), key), st.line);
  if (!inserted) {
    st.SetError(st.line, Cat({"[", section, "] duplicate key '", key, "' (first set on line ",
                              std::to_string(it->second), ")"}));
    return 1;
  }
  st.doc.entries.push_back({section, key, value, st.line});
  return 1;
}

std::string SyntaxReason(std::string_view text, int line) {
  std::istringstream in{std::string(text)};
  std::string raw;
  for (int i = 0; i < line && std::getline(in, raw); ++i) {
  }
  std::string_view stripped = Trim(raw);
  if (!stripped.empty() && stripped.front() == '[') return "INI syntax error: section header without ']'";
  return "INI syntax error: expected '[section]' or 'key = value', got '" + std::string(stripped) + "'";
}

}  // namespace

const IniEntry* IniDocument::Find(std::string_view section, std::string_view key) const {
  for (const IniEntry& e : entries) {
    if (e.section == section && e.key == key) return &e;
  }
  return nullptr;
}

bool IniDocument::HasSection(std::string_view section) const {
  return std::any_of(sections.begin(), sections.end(),
                     [&](const IniSection& s) { return s.name == section; });
}

std::string AtLine(const std::string& path, int line, std::string_view text) {
  std::string out = path;
  if (line > 0) out.append(":").append(std::to_string(line));
  out += ": ";
  out += text;
  return out;
}

Result<IniDocument> ParseIni(std::string_view text, const std::string& path_for_messages,
                             IniOptions options) {
  ParseState st;
  st.text = text;
  st.options = options;
  st.doc.path = path_for_messages;
  int rc = ini_parse_stream(&ReadLine, &st, &OnEntry, &st);
  if (rc < 0) return Status::Internal(AtLine(path_for_messages, 0, "inih failed to allocate memory"));
  if (rc > 0) st.SetError(rc, SyntaxReason(text, rc));
  if (st.error_line > 0) return Status::InvalidArgument(AtLine(path_for_messages, st.error_line, st.error));
  return std::move(st.doc);
}

Result<IniDocument> ReadIniFile(const std::string& path, IniOptions options) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    return Status::InvalidArgument(AtLine(path, 0, "is a directory"));
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    int err = errno;
    std::string reason = std::string("cannot open: ") + std::strerror(err);
    return err == ENOENT ? Status::NotFound(AtLine(path, 0, reason))
                         : Status::IOError(AtLine(path, 0, reason));
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return Status::IOError(AtLine(path, 0, "read error"));
  return ParseIni(buf.str(), path, options);
}

}  // namespace panoptes::config
