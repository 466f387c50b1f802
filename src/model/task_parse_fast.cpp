// The fast path of model::ParseTask (docs/redis.md): one pass over the text straight into a Task, with
// no DOM; the only allocations are the Task's own strings and metadata nodes. It is strict and
// timid: it accepts the task objects our scheduler writes (any key order, JSON whitespace, every
// string escape, UTF-8) and declines everything else, so that the nlohmann path (ParseTaskSlow)
// reads it and every error message stays that path's.
//
// Exactness with the slow path, where it is subtle:
// - strings: the slow path rejects control characters, bad escapes, lone surrogates and UTF-8 that
//   is not well-formed (Unicode Table 3-7); we accept exactly the well-formed forms and decode
//   them to the same bytes (\u0000 included).
// - numbers: nlohmann reads an integer token with strtoull/strtoll (so "-0" is the integer 0 and
//   reads back as +0.0) and converts it with static_cast<double>; an integer that overflows, or any
//   token with a fraction or an exponent, goes through strtod. We do the same with from_chars,
//   which is correctly rounded like glibc's strtod; on out-of-range results we decline.
// - objects: the slow path lets a later duplicate key win and ignores unknown keys; we decline
//   both, so a task we accept has one reading only.
//
// Measured with bench/task_parse (Release, GCC 12, shared 2-core host; per-call median of 7 runs of
// 200k calls over 1000 distinct tasks as the agent bench queues them, median of 5 such runs):
//   478-byte task, no resource metadata:  ParseTaskSlow 5.7 us, ParseTask 0.59 us (9.6x)
//   559-byte task, 4 metadata entries:    ParseTaskSlow 7.0 us, ParseTask 0.87 us (8.0x)
// (ParseTask before this file: 6.0 us and 7.2 us on the same bench.)
#include <array>
#include <charconv>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "model/json_parse_internal.h"

namespace panoptes::model::internal {
namespace {

// Top-level fields, one bit each in a `seen` mask: a duplicate or a missing field is one test.
enum TaskField { kV, kId, kKind, kPlugin, kSignature, kResource, kScheduledFor, kExpiresAt, kTimeLimit };
constexpr std::array<std::string_view, 9> kTaskFields = {
    "v", "id", "kind", "plugin", "signature", "resource", "scheduled_for", "expires_at", "time_limit"};
constexpr uint32_t kAllTaskFields = (1u << kTaskFields.size()) - 1;

// Resource fields: the seven required strings first, in the order of kResourceStrings.
constexpr std::array<std::string_view, 9> kResourceFields = {
    "resource_site",     "resource_class",  "resource_subclass",           "resource_type",    "resource_id",
    "resource_endpoint", "resource_plugin", "resource_creation_timestamp", "resource_metadata"};
constexpr std::array<std::string Resource::*, 7> kResourceStrings = {
    &Resource::site, &Resource::class_,   &Resource::subclass, &Resource::type,
    &Resource::id,   &Resource::endpoint, &Resource::plugin};
constexpr int kCreationTimestamp = 7;
constexpr int kMetadata = 8;
constexpr uint32_t kRequiredResourceFields = (1u << kResourceStrings.size()) - 1;

template <size_t N>
int FieldIndex(const std::array<std::string_view, N>& names, std::string_view key) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == key) return static_cast<int>(i);
  }
  return -1;
}

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

// A byte that stands for itself inside a JSON string: printable ASCII other than '"' and '\'.
bool IsPlain(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u >= 0x20 && u < 0x80 && c != '"' && c != '\\';
}

// Reads one task object. Every method returns false to decline (and the scanner is then dropped).
class Scanner {
 public:
  explicit Scanner(std::string_view text) : p_(text.data()), end_(text.data() + text.size()) {}

  bool ReadTask(Task& t) {
    std::string kind;
    uint32_t seen = 0;
    const bool read = ReadObject([&](std::string_view key) {
      const int field = FieldIndex(kTaskFields, key);
      if (field < 0 || (seen & (1u << field)) != 0) return false;
      seen |= 1u << field;
      return ReadTaskMember(field, t, kind);
    });
    SkipSpace();
    if (!read || p_ != end_ || seen != kAllTaskFields) return false;
    const auto parsed = ParseKind(kind);
    if (!parsed || t.plugin.empty()) return false;
    t.kind = *parsed;
    return t.resource.has_value() != (t.kind == PluginKind::kDiscovery);
  }

 private:
  void SkipSpace() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
  }

  // Skips whitespace, then consumes `c` if it is next.
  bool Consume(char c) {
    SkipSpace();
    if (p_ == end_ || *p_ != c) return false;
    ++p_;
    return true;
  }

  // `{`, then for each member its key (no escapes: ours are plain ASCII names) and ':', then
  // `member(key)` reads the value; then `}`.
  template <typename Member>
  bool ReadObject(Member&& member) {
    if (!Consume('{')) return false;
    if (Consume('}')) return true;
    do {
      if (!Consume('"')) return false;
      const char* key = p_;
      while (p_ != end_ && *p_ != '"' && *p_ != '\\') ++p_;
      if (p_ == end_ || *p_ != '"') return false;
      const std::string_view name(key, static_cast<size_t>(p_ - key));
      ++p_;
      if (!Consume(':') || !member(name)) return false;
    } while (Consume(','));
    return Consume('}');
  }

  bool ReadTaskMember(int field, Task& t, std::string& kind) {
    switch (field) {
      case kV: return ReadOne();
      case kId: return ReadString(t.id);
      case kKind: return ReadString(kind);
      case kPlugin: return ReadString(t.plugin);
      case kSignature: return ReadString(t.signature);
      case kResource: return ReadResourceOrNull(t.resource);
      case kScheduledFor: return ReadNumber(t.scheduled_for);
      case kExpiresAt: return ReadNumber(t.expires_at);
      case kTimeLimit: return ReadNumber(t.time_limit);
      default: return false;
    }
  }

  // The version: the slow path accepts the integer 1 only, whose one spelling is "1".
  bool ReadOne() {
    SkipSpace();
    const char* start = p_;
    bool is_float = false;
    return ScanNumber(is_float) && std::string_view(start, static_cast<size_t>(p_ - start)) == "1";
  }

  bool ReadResourceOrNull(std::optional<Resource>& resource) {
    SkipSpace();
    if (end_ - p_ >= 4 && std::string_view(p_, 4) == "null") {
      p_ += 4;
      return true;
    }
    Resource& r = resource.emplace();
    uint32_t seen = 0;
    const bool read = ReadObject([&](std::string_view key) {
      const int field = FieldIndex(kResourceFields, key);
      if (field < 0 || (seen & (1u << field)) != 0) return false;
      seen |= 1u << field;
      if (field == kCreationTimestamp) return ReadNumber(r.creation_timestamp);
      if (field == kMetadata) return ReadMetadata(r.metadata);
      return ReadString(r.*kResourceStrings[static_cast<size_t>(field)]);
    });
    return read && (seen & kRequiredResourceFields) == kRequiredResourceFields;
  }

  bool ReadMetadata(std::map<std::string, std::string>& metadata) {
    if (!Consume('{')) return false;
    if (Consume('}')) return true;
    do {
      std::string key;
      std::string value;
      if (!ReadString(key) || !Consume(':') || !ReadString(value)) return false;
      if (!metadata.emplace(std::move(key), std::move(value)).second) return false;
    } while (Consume(','));
    return Consume('}');
  }

  // A string value: the plain run is copied at once; escapes and UTF-8 go through ReadStringRest.
  bool ReadString(std::string& out) {
    if (!Consume('"')) return false;
    const char* run = p_;
    while (p_ != end_ && IsPlain(*p_)) ++p_;
    out.assign(run, p_);
    if (p_ != end_ && *p_ == '"') {
      ++p_;
      return true;
    }
    return ReadStringRest(out);
  }

  bool ReadStringRest(std::string& out) {
    while (p_ != end_) {
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        ++p_;
        return true;
      }
      if (c < 0x20) return false;
      if (c == '\\') {
        if (!ReadEscape(out)) return false;
      } else if (c >= 0x80) {
        if (!CopyUtf8Sequence(out)) return false;
      } else {
        out += static_cast<char>(c);
        ++p_;
      }
    }
    return false;
  }

  // One multi-byte UTF-8 sequence, well-formed per Unicode Table 3-7 (as nlohmann's lexer checks).
  bool CopyUtf8Sequence(std::string& out) {
    const auto lead = static_cast<unsigned char>(*p_);
    unsigned char low = 0x80;
    unsigned char high = 0xBF;
    size_t size = 0;
    if (lead >= 0xC2 && lead <= 0xDF) {
      size = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      size = 3;
      if (lead == 0xE0) low = 0xA0;
      if (lead == 0xED) high = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      size = 4;
      if (lead == 0xF0) low = 0x90;
      if (lead == 0xF4) high = 0x8F;
    } else {
      return false;
    }
    if (static_cast<size_t>(end_ - p_) < size) return false;
    for (size_t i = 1; i < size; ++i) {
      const auto c = static_cast<unsigned char>(p_[i]);
      if (c < (i == 1 ? low : 0x80) || c > (i == 1 ? high : 0xBF)) return false;
    }
    out.append(p_, size);
    p_ += size;
    return true;
  }

  bool ReadEscape(std::string& out) {
    if (end_ - p_ < 2) return false;
    const char c = p_[1];
    p_ += 2;
    switch (c) {
      case '"': out += '"'; return true;
      case '\\': out += '\\'; return true;
      case '/': out += '/'; return true;
      case 'b': out += '\b'; return true;
      case 'f': out += '\f'; return true;
      case 'n': out += '\n'; return true;
      case 'r': out += '\r'; return true;
      case 't': out += '\t'; return true;
      case 'u': return ReadUnicodeEscape(out);
      default: return false;
    }
  }

  // After "\u": a code point other than a surrogate, or a high surrogate and "\u" a low one.
  bool ReadUnicodeEscape(std::string& out) {
    uint32_t cp = 0;
    if (!ReadHex4(cp) || (cp >= 0xDC00 && cp <= 0xDFFF)) return false;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      uint32_t low = 0;
      if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return false;
      p_ += 2;
      if (!ReadHex4(low) || low < 0xDC00 || low > 0xDFFF) return false;
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    AppendUtf8(out, cp);
    return true;
  }

  bool ReadHex4(uint32_t& cp) {
    if (end_ - p_ < 4) return false;
    for (int i = 0; i < 4; ++i, ++p_) {
      const char c = *p_;
      uint32_t digit = 0;
      if (IsDigit(c)) {
        digit = static_cast<uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        digit = static_cast<uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        digit = static_cast<uint32_t>(c - 'A' + 10);
      } else {
        return false;
      }
      cp = cp * 16 + digit;
    }
    return true;
  }

  // A number as the slow path's get<double>() sees it (see the top of this file).
  bool ReadNumber(double& out) {
    SkipSpace();
    const char* start = p_;
    bool is_float = false;
    if (!ScanNumber(is_float)) return false;
    if (!is_float) {
      if (*start == '-') {
        int64_t i = 0;
        if (std::from_chars(start, p_, i).ec == std::errc()) {
          out = static_cast<double>(i);
          return true;
        }
      } else {
        uint64_t u = 0;
        if (std::from_chars(start, p_, u).ec == std::errc()) {
          out = static_cast<double>(u);
          return true;
        }
      }
    }
    double d = 0;
    const auto [end, ec] = std::from_chars(start, p_, d);
    if (ec != std::errc() || end != p_) return false;  // out of range: declined
    out = d;
    return true;
  }

  // Moves past a token of JSON's number grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
  bool ScanNumber(bool& is_float) {
    if (p_ != end_ && *p_ == '-') ++p_;
    if (p_ == end_ || !IsDigit(*p_)) return false;
    if (*p_ == '0') {
      ++p_;
    } else {
      ScanDigits();
    }
    if (p_ != end_ && *p_ == '.') {
      ++p_;
      if (!ScanDigits()) return false;
      is_float = true;
    }
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      if (p_ != end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (!ScanDigits()) return false;
      is_float = true;
    }
    return true;
  }

  // Moves past [0-9]*; false if there was none.
  bool ScanDigits() {
    const char* start = p_;
    while (p_ != end_ && IsDigit(*p_)) ++p_;
    return p_ != start;
  }

  const char* p_;
  const char* end_;
};

}  // namespace

std::optional<Task> ParseTaskFast(std::string_view text) {
  Task t;
  if (!Scanner(text).ReadTask(t)) return std::nullopt;
  return t;
}

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace panoptes::model::internal
