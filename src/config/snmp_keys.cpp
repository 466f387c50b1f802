#include "config/snmp_keys.h"

#include <algorithm>
#include <cctype>

#include "config/values.h"

namespace panoptes::config {
namespace {

enum class Text {
  kModule,
  kClass,
  kCommunity,
  kWord,
  kVersion,
  kPath,
  kFilename,
  kOptional,
  kLevel,
  kAuth,
  kPrivacy
};

// One key: an integer in [min, max] (text member null) or a text of some shape.
template <typename Config>
struct KeyRule {
  const char* key;
  int Config::*integer = nullptr;
  int min = 0, max = 0;
  const char* unit = "";
  std::string Config::*text = nullptr;
  Text shape = Text::kWord;
};

const std::vector<KeyRule<SnmpConfig>>& SnmpRules() {
  using C = SnmpConfig;
  static const std::vector<KeyRule<C>> rules = {
      {"connection_factory_module", nullptr, 0, 0, "", &C::connection_factory_module, Text::kModule},
      {"connection_factory_class", nullptr, 0, 0, "", &C::connection_factory_class, Text::kClass},
      {"community", nullptr, 0, 0, "", &C::community, Text::kCommunity},
      {"community_string_key", nullptr, 0, 0, "", &C::community_string_key, Text::kWord},
      {"version", nullptr, 0, 0, "", &C::version, Text::kVersion},
      {"timeout", &C::timeout, 1, 120, " (seconds)"},
      {"retries", &C::retries, 1, 10},
      {"non_repeaters", &C::non_repeaters, 0, 65535},
      {"max_repetitions", &C::max_repetitions, 1, 65535},
      {"port", &C::port, 1, 65535},
      {"proxy_port", &C::proxy_port, 1, 65535},
      {"v3_username", nullptr, 0, 0, "", &C::v3_username, Text::kOptional},
      {"v3_security_level", nullptr, 0, 0, "", &C::v3_security_level, Text::kLevel},
      {"v3_auth_protocol", nullptr, 0, 0, "", &C::v3_auth_protocol, Text::kAuth},
      {"v3_privacy_protocol", nullptr, 0, 0, "", &C::v3_privacy_protocol, Text::kPrivacy},
      {"v3_context", nullptr, 0, 0, "", &C::v3_context, Text::kOptional},
      {"v3_auth_password_key", nullptr, 0, 0, "", &C::v3_auth_password_key, Text::kWord},
      {"v3_privacy_password_key", nullptr, 0, 0, "", &C::v3_privacy_password_key, Text::kWord},
  };
  return rules;
}

const std::vector<KeyRule<X509Config>>& X509Rules() {
  using C = X509Config;
  static const std::vector<KeyRule<C>> rules = {
      {"x509_secured_requests", &C::x509_secured_requests, 0, 2,
       " (0 no x509, 1 where available, 2 mandatory)"},
      {"x509_cert_location", nullptr, 0, 0, "", &C::x509_cert_location, Text::kPath},
      {"x509_cert_filename", nullptr, 0, 0, "", &C::x509_cert_filename, Text::kFilename},
      {"x509_key_location", nullptr, 0, 0, "", &C::x509_key_location, Text::kPath},
      {"x509_key_filename", nullptr, 0, 0, "", &C::x509_key_filename, Text::kFilename},
  };
  return rules;
}

bool IsDottedModule(std::string_view s) {
  if (s.empty()) return false;
  size_t start = 0;
  while (true) {
    size_t dot = s.find('.', start);
    if (!IsPythonIdentifier(s.substr(start, dot == std::string_view::npos ? dot : dot - start))) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

// The text as stored, or an error saying what is accepted.
Result<std::string> ParseText(Text shape, std::string_view value) {
  std::string_view t = TrimBlank(value);
  bool one_line = !t.empty() && t.find('\n') == std::string_view::npos;
  switch (shape) {
    case Text::kModule:
      if (IsDottedModule(t)) return std::string(t);
      return Status::InvalidArgument("must be a dotted Python module name (e.g. a.b.c)");
    case Text::kClass:
      if (IsPythonIdentifier(t)) return std::string(t);
      return Status::InvalidArgument("must be a Python class name");
    case Text::kCommunity:
      if (one_line) return std::string(t);
      return Status::InvalidArgument("must be a non-empty string on one line");
    case Text::kWord:
      if (one_line && !HasBlank(t)) return std::string(t);
      return Status::InvalidArgument("must be a non-empty word without blanks");
    case Text::kVersion:
      if (t == "1" || t == "3") return std::string(t);
      if (t == "2" || t == "2c" || t == "2C") return std::string("2c");
      return Status::InvalidArgument("unknown SNMP version: must be 1, 2c (or 2) or 3");
    case Text::kPath:
      if (one_line) return std::string(t);
      return Status::InvalidArgument("must be a non-empty directory path");
    case Text::kOptional:
      if (t.find('\n') == std::string_view::npos && !HasBlank(t)) return std::string(t);
      return Status::InvalidArgument("must be a word without blanks, or empty");
    case Text::kLevel:
      if (t == "noAuthNoPriv" || t == "authNoPriv" || t == "authPriv") return std::string(t);
      return Status::InvalidArgument("must be noAuthNoPriv, authNoPriv or authPriv");
    case Text::kAuth:
      if (t == "MD5" || t == "SHA") return std::string(t);
      return Status::InvalidArgument("must be MD5 or SHA");
    case Text::kPrivacy:
      if (t == "AES" || t == "DES") return std::string(t);
      return Status::InvalidArgument("must be AES or DES");
    case Text::kFilename:
      if (one_line && t.find('/') == std::string_view::npos && t != "." && t != "..") return std::string(t);
      return Status::InvalidArgument("must be a non-empty file name without '/'");
  }
  return Status::InvalidArgument("unsupported value");
}

template <typename Config>
Status Apply(const std::vector<KeyRule<Config>>& rules, Config& out, std::string_view key,
             std::string_view value, const std::string& base_dir) {
  auto rule =
      std::find_if(rules.begin(), rules.end(), [&](const KeyRule<Config>& r) { return r.key == key; });
  if (rule == rules.end()) return Status::NotFound(Cat({"not a key of this section: ", key}));
  if (rule->integer != nullptr) {
    auto n = ParseInteger(value, rule->min, rule->max);
    if (!n.ok()) return Status::InvalidArgument(n.status().message() + rule->unit);
    out.*(rule->integer) = static_cast<int>(*n);
    return Status::Ok();
  }
  auto text = ParseText(rule->shape, value);
  if (!text.ok()) return text.status();
  out.*(rule->text) =
      rule->shape == Text::kPath && !base_dir.empty() ? ResolveAgainst(base_dir, *text) : *text;
  return Status::Ok();
}

template <typename Config>
std::vector<std::string> Names(const std::vector<KeyRule<Config>>& rules) {
  std::vector<std::string> names;
  for (const auto& r : rules) names.emplace_back(r.key);
  return names;
}

}  // namespace

const std::vector<std::string>& SnmpKeyNames() {
  static const std::vector<std::string> names = Names(SnmpRules());
  return names;
}

const std::vector<std::string>& X509KeyNames() {
  static const std::vector<std::string> names = Names(X509Rules());
  return names;
}

Status ApplySnmpKey(SnmpConfig& out, std::string_view key, std::string_view value) {
  return Apply(SnmpRules(), out, key, value, "");
}

Status ApplyX509Key(X509Config& out, std::string_view key, std::string_view value,
                    const std::string& base_dir) {
  return Apply(X509Rules(), out, key, value, base_dir);
}

}  // namespace panoptes::config
