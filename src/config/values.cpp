#include "config/values.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <filesystem>

namespace panoptes::config {
namespace {

bool IsBlankChar(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

bool IsHostChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
}

}  // namespace

std::string Cat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view p : parts) out.append(p);
  return out;
}

std::string_view TrimBlank(std::string_view s) {
  while (!s.empty() && IsBlankChar(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsBlankChar(s.back())) s.remove_suffix(1);
  return s;
}

bool HasBlank(std::string_view s) {
  for (char c : s) {
    if (IsBlankChar(c)) return true;
  }
  return false;
}

Result<int64_t> ParseInteger(std::string_view text, int64_t min, int64_t max) {
  auto fail = [&] {
    return Status::InvalidArgument("must be an integer in " + std::to_string(min) + ".." +
                                   std::to_string(max));
  };
  std::string_view t = TrimBlank(text);
  if (!t.empty() && t.front() == '+') t.remove_prefix(1);
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || ec != std::errc() || ptr != t.data() + t.size() || v < min || v > max) return fail();
  return v;
}

Result<double> ParsePositiveSeconds(std::string_view text) {
  std::string_view t = TrimBlank(text);
  double v = 0;
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || ec != std::errc() || ptr != t.data() + t.size() || !std::isfinite(v) || v <= 0) {
    return Status::InvalidArgument("must be a number of seconds > 0 (e.g. 90 or 12.5)");
  }
  return v;
}

std::vector<std::string> SplitList(std::string_view text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find_first_of(",\n", start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view item = TrimBlank(text.substr(start, end - start));
    if (!item.empty()) out.emplace_back(item);
    start = end + 1;
  }
  return out;
}

Result<HostPort> ParseHostPort(std::string_view text, int min_port) {
  const std::string accepted =
      "must be host:port (or [ipv6]:port) with port in " + std::to_string(min_port) + "..65535";
  std::string_view t = TrimBlank(text);
  std::size_t colon = t.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return Status::InvalidArgument(accepted);
  std::string_view host = t.substr(0, colon);
  bool bracketed = host.size() > 2 && host.front() == '[' && host.back() == ']';
  if (bracketed) host = host.substr(1, host.size() - 2);
  for (char c : host) {
    if (!IsHostChar(c) && !(bracketed && c == ':')) return Status::InvalidArgument(accepted);
  }
  auto port = ParseInteger(t.substr(colon + 1), min_port, 65535);
  if (!port.ok() || HasBlank(t.substr(colon + 1))) return Status::InvalidArgument(accepted);
  return HostPort{std::string(host), static_cast<int>(*port)};
}

Result<HttpUrl> ParseHttpUrl(std::string_view text) {
  const std::string accepted = "must be http://host[:port][/path]";
  std::string_view t = TrimBlank(text);
  if (t.substr(0, 8) == "https://") {
    return Status::InvalidArgument("https is not supported (no TLS); use a local TLS proxy and http://");
  }
  if (t.substr(0, 7) != "http://") return Status::InvalidArgument(accepted);
  t.remove_prefix(7);
  std::size_t slash = t.find('/');
  std::string_view authority = t.substr(0, slash);
  HttpUrl url;
  if (slash != std::string_view::npos) url.path = std::string(t.substr(slash));
  while (!url.path.empty() && url.path.back() == '/') url.path.pop_back();
  std::size_t colon = authority.rfind(':');
  bool has_port = colon != std::string_view::npos && authority.find(']', colon) == std::string_view::npos;
  std::string_view host = has_port ? authority.substr(0, colon) : authority;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty() || HasBlank(host)) return Status::InvalidArgument(accepted);
  for (char c : host) {
    if (!IsHostChar(c) && c != ':') return Status::InvalidArgument(accepted);
  }
  url.host = std::string(host);
  if (has_port) {
    auto port = ParseInteger(authority.substr(colon + 1), 1, 65535);
    if (!port.ok()) return Status::InvalidArgument(accepted + " (port in 1..65535)");
    url.port = static_cast<int>(*port);
  }
  if (HasBlank(url.path)) return Status::InvalidArgument(accepted + " (no blanks)");
  return url;
}

bool IsSiteName(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  }
  return true;
}

bool IsPythonIdentifier(std::string_view s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s.front()))) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

std::string ResolveAgainst(const std::string& base_dir, std::string_view path) {
  std::filesystem::path p{std::string(path)};
  if (p.is_relative()) p = std::filesystem::path(base_dir) / p;
  return p.lexically_normal().string();
}

std::string AbsoluteNormal(const std::string& path) {
  std::filesystem::path p(path);
  if (p.is_relative()) p = std::filesystem::current_path() / p;
  return p.lexically_normal().string();
}

std::string DirectoryOf(const std::string& file) {
  return std::filesystem::path(AbsoluteNormal(file)).parent_path().string();
}

}  // namespace panoptes::config
