// ParseTask's fast path against its nlohmann path: on generated tasks written in many legal ways
// (key order, whitespace, escapes, UTF-8, number spellings) the fast path must accept and give the
// same Task bit for bit; on mutated and invalid inputs ParseTask must return exactly the slow
// path's Task or Status message.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "model/json.h"
#include "model/json_parse_internal.h"

namespace panoptes::model {
namespace {

using internal::AppendUtf8;
using internal::ParseTaskFast;
using internal::ParseTaskSlow;

// Doubles compare by bits: -0.0 and +0.0 must not pass for each other.
void ExpectSameDouble(double a, double b, const char* field) {
  EXPECT_EQ(std::bit_cast<uint64_t>(a), std::bit_cast<uint64_t>(b)) << field << ": " << a << " vs " << b;
}

void ExpectSameTask(const Task& fast, const Task& slow, const std::string& text) {
  SCOPED_TRACE(text);
  EXPECT_EQ(fast.v, slow.v);
  EXPECT_EQ(fast.id, slow.id);
  EXPECT_EQ(fast.kind, slow.kind);
  EXPECT_EQ(fast.plugin, slow.plugin);
  EXPECT_EQ(fast.signature, slow.signature);
  ExpectSameDouble(fast.scheduled_for, slow.scheduled_for, "scheduled_for");
  ExpectSameDouble(fast.expires_at, slow.expires_at, "expires_at");
  ExpectSameDouble(fast.time_limit, slow.time_limit, "time_limit");
  ASSERT_EQ(fast.resource.has_value(), slow.resource.has_value());
  if (!fast.resource) return;
  const Resource& f = *fast.resource;
  const Resource& s = *slow.resource;
  EXPECT_EQ(f.site, s.site);
  EXPECT_EQ(f.class_, s.class_);
  EXPECT_EQ(f.subclass, s.subclass);
  EXPECT_EQ(f.type, s.type);
  EXPECT_EQ(f.id, s.id);
  EXPECT_EQ(f.endpoint, s.endpoint);
  EXPECT_EQ(f.plugin, s.plugin);
  ExpectSameDouble(f.creation_timestamp, s.creation_timestamp, "resource_creation_timestamp");
  EXPECT_EQ(f.metadata, s.metadata);
}

// The public contract on any input: ParseTask returns what the slow path returns (same Task, or
// same message), and whatever the fast path accepts the slow path accepts the same way.
void ExpectAgrees(const std::string& text) {
  const Result<Task> slow = ParseTaskSlow(text);
  const Result<Task> parsed = ParseTask(text);
  ASSERT_EQ(parsed.ok(), slow.ok()) << text;
  if (slow.ok()) {
    ExpectSameTask(*parsed, *slow, text);
  } else {
    EXPECT_EQ(parsed.status().code(), slow.status().code()) << text;
    EXPECT_EQ(parsed.status().message(), slow.status().message()) << text;
  }
  if (const std::optional<Task> fast = ParseTaskFast(text)) {
    ASSERT_TRUE(slow.ok()) << "fast path accepted what the slow path rejects: " << text;
    ExpectSameTask(*fast, *slow, text);
  }
}

// A string value: its code points (what the Task must hold, as UTF-8) and its JSON spelling.
struct Text {
  std::vector<uint32_t> code_points;
  std::string utf8;
};

Text Plain(std::string_view ascii) {
  Text t{{ascii.begin(), ascii.end()}, std::string(ascii)};
  return t;
}

// Writes valid task JSON in randomly chosen legal spellings.
class Writer {
 public:
  explicit Writer(uint32_t seed) : rng_(seed) {}

  bool Chance(int percent) { return static_cast<int>(rng_() % 100) < percent; }
  size_t Below(size_t n) { return rng_() % n; }

  Text RandomText(size_t max_size) {
    static constexpr uint32_t kPool[] = {
        'a',   'Z',    '0',    ' ',    '-',    '@',    '|',    '"',     '\\',    '/',     0x00,
        0x01,  '\b',   '\f',   '\r',   '\n',   '\t',   0x1F,   0x7F,    0xE9,    0xDF,    0x7FF,
        0x800, 0x20AC, 0x65E5, 0xD7FF, 0xE000, 0xFFFD, 0xFFFF, 0x10000, 0x1F600, 0x1D11E, 0x10FFFF};
    Text t;
    const size_t size = Below(max_size + 1);
    for (size_t i = 0; i < size; ++i) {
      const uint32_t cp =
          Chance(60) ? 'a' + static_cast<uint32_t>(Below(26)) : kPool[Below(std::size(kPool))];
      t.code_points.push_back(cp);
      AppendUtf8(t.utf8, cp);
    }
    return t;
  }

  std::string Space() {
    std::string s;
    if (!Chance(15)) return s;
    for (size_t n = 1 + Below(3); n > 0; --n) s += " \t\n\r"[Below(4)];
    return s;
  }

  std::string String(const Text& text) {
    std::string out = "\"";
    for (uint32_t cp : text.code_points) AppendCodePoint(out, cp);
    return out + "\"";
  }

  // A JSON number whose value is zero or of magnitude within [1e-300, 1e300]: the fast path must
  // accept all of them.
  std::string Number() {
    std::string s = Chance(20) ? "-" : "";
    switch (Below(7)) {
      case 0: return s + std::to_string(Below(100000));
      case 1: return s + "17" + Digits(8) + "." + Digits(1 + Below(9));
      case 2: return s + Digits(19 + Below(20), true);
      case 3: return s + Mantissa() + (Chance(50) ? "e" : "E") + Exponent();
      case 4: return Formatted("%.17g");  // signed already
      case 5: {
        std::string shortest;
        AppendJsonDouble(shortest, RandomDouble());
        return shortest;
      }
      default: {
        static const char* kZeros[] = {"0", "-0", "0.0", "-0.0", "0e5", "-0E-7", "0.000", "0e+300"};
        return kZeros[Below(std::size(kZeros))];
      }
    }
  }

 private:
  void AppendCodePoint(std::string& out, uint32_t cp) {
    static constexpr const char* kShort[] = {"\\b", "\\f", "\\n", "\\r", "\\t"};
    static constexpr uint32_t kShortFor[] = {'\b', '\f', '\n', '\r', '\t'};
    for (size_t i = 0; i < std::size(kShort); ++i) {
      if (cp == kShortFor[i] && Chance(50)) return void(out += kShort[i]);
    }
    if (cp == '"' && Chance(50)) return void(out += "\\\"");
    if (cp == '\\' && Chance(50)) return void(out += "\\\\");
    if (cp == '/' && Chance(50)) return void(out += "\\/");
    const bool must_escape = cp < 0x20 || cp == '"' || cp == '\\';
    if (!must_escape && !Chance(15)) return AppendUtf8(out, cp);
    if (cp < 0x10000) return AppendEscape(out, cp);
    AppendEscape(out, 0xD800 + ((cp - 0x10000) >> 10));
    AppendEscape(out, 0xDC00 + ((cp - 0x10000) & 0x3FF));
  }

  void AppendEscape(std::string& out, uint32_t unit) {
    char buf[8];
    std::snprintf(buf, sizeof(buf), Chance(50) ? "\\u%04x" : "\\u%04X", unit);
    out += buf;
  }

  std::string Digits(size_t n, bool nonzero_first = false) {
    std::string s;
    for (size_t i = 0; i < n; ++i)
      s += static_cast<char>('0' + ((i == 0 && nonzero_first) ? 1 + Below(9) : Below(10)));
    return s;
  }

  // 1..25 significant digits, the first nonzero, with the point anywhere or absent.
  std::string Mantissa() {
    std::string digits = Digits(1 + Below(25), true);
    const size_t point = Below(digits.size() + 1);
    if (point == 0 || point == digits.size()) return digits;
    return digits.substr(0, point) + "." + digits.substr(point);
  }

  std::string Exponent() {
    const int e = static_cast<int>(Below(561)) - 280;
    std::string sign = e < 0 ? "-" : (Chance(50) ? "+" : "");
    return sign + std::to_string(e < 0 ? -e : e);
  }

  double RandomDouble() {
    for (;;) {
      const double d = std::bit_cast<double>(static_cast<uint64_t>(rng_()) << 32 | rng_());
      if (std::isfinite(d)) return d;
    }
  }

  std::string Formatted(const char* format) {
    char buf[40];
    std::snprintf(buf, sizeof(buf), format, RandomDouble());
    return buf;
  }

  std::mt19937 rng_;
};

// A generated task: its JSON, and the strings it must decode to.
struct Generated {
  std::string json;
  std::string id;
  std::string plugin;
};

std::string Member(Writer& w, const std::string& key, const std::string& value) {
  return w.Space() + "\"" + key + "\"" + w.Space() + ":" + w.Space() + value + w.Space();
}

std::string Object(Writer& w, std::vector<std::string> members) {
  std::shuffle(members.begin(), members.end(), std::mt19937(static_cast<uint32_t>(w.Below(1u << 30))));
  std::string out = "{";
  for (size_t i = 0; i < members.size(); ++i) out += (i ? "," : "") + members[i];
  return out + (members.empty() ? w.Space() : "") + "}";
}

std::string ResourceJson(Writer& w) {
  std::vector<std::string> members;
  for (const char* field : {"resource_site", "resource_class", "resource_subclass", "resource_type",
                            "resource_id", "resource_endpoint", "resource_plugin"}) {
    members.push_back(Member(w, field, w.String(w.RandomText(20))));
  }
  if (w.Chance(50)) members.push_back(Member(w, "resource_creation_timestamp", w.Number()));
  if (w.Chance(60)) {
    std::vector<std::string> entries;
    std::map<std::string, bool> keys;
    for (size_t n = w.Below(7); n > 0; --n) {
      const Text key = w.RandomText(12);
      if (!keys.emplace(key.utf8, true).second) continue;
      entries.push_back(w.Space() + w.String(key) + w.Space() + ":" + w.Space() + w.String(w.RandomText(20)) +
                        w.Space());
    }
    members.push_back(Member(w, "resource_metadata", Object(w, entries)));
  }
  return Object(w, members);
}

Generated GenerateTask(Writer& w) {
  const PluginKind kind = kAllKinds[w.Below(3)];
  const Text id = w.RandomText(40);
  Text plugin = w.RandomText(30);
  if (plugin.code_points.empty()) plugin = {{'p'}, "p"};
  std::vector<std::string> members = {
      Member(w, "v", "1"),
      Member(w, "id", w.String(id)),
      Member(w, "kind", w.String(Plain(KindName(kind)))),
      Member(w, "plugin", w.String(plugin)),
      Member(w, "signature", w.String(w.RandomText(32))),
      Member(w, "resource", kind == PluginKind::kDiscovery ? "null" : ResourceJson(w)),
      Member(w, "scheduled_for", w.Number()),
      Member(w, "expires_at", w.Number()),
      Member(w, "time_limit", w.Number()),
  };
  return {w.Space() + Object(w, members) + w.Space(), id.utf8, plugin.utf8};
}

TEST(Unit, TaskFastPathMatchesSlowPathOnGeneratedTasks) {
  Writer w(20240611);
  for (int i = 0; i < 3000; ++i) {
    const Generated g = GenerateTask(w);
    const Result<Task> slow = ParseTaskSlow(g.json);
    ASSERT_TRUE(slow.ok()) << slow.status().message() << "\n" << g.json;
    EXPECT_EQ(slow->id, g.id);
    EXPECT_EQ(slow->plugin, g.plugin);
    const std::optional<Task> fast = ParseTaskFast(g.json);
    ASSERT_TRUE(fast.has_value()) << "fast path declined " << g.json;
    ExpectSameTask(*fast, *slow, g.json);
    ExpectAgrees(g.json);
  }
}

TEST(Unit, TaskFastPathAcceptsWhatSerializeTaskWrites) {
  Resource r{"dc1", "network", "switch", "juniper", "sw1", "sw1.example.com", "disc", 1700000000.25, {}};
  r.metadata = {{"_resource_ttl", "604800"}, {"model", "MX480 \"core\"\n"}};
  Task t;
  t.id = "sw1@1700000000123";
  t.plugin = "Interface Metrics";
  t.signature = "03c38c18452d19a1d7a94eef07262ed4";
  t.scheduled_for = 1700000000.123;
  t.expires_at = 1700003600.123;
  t.time_limit = 75;
  for (PluginKind kind : kAllKinds) {
    t.kind = kind;
    t.resource = kind == PluginKind::kDiscovery ? std::nullopt : std::optional<Resource>(r);
    const std::string text = SerializeTask(t);
    const std::optional<Task> fast = ParseTaskFast(text);
    ASSERT_TRUE(fast.has_value()) << text;
    ExpectSameTask(*fast, *ParseTaskSlow(text), text);
  }
}

// Every prefix, and single-byte deletions, replacements and insertions of bytes that matter to
// the grammar, of generated tasks.
TEST(Unit, TaskParseMatchesSlowPathOnMutatedTasks) {
  static constexpr char kBytes[] = {'"',    '\\',   '{',    '}',    '[',    ',',    ':',   '0', '1',
                                    '-',    '+',    'e',    '.',    ' ',    'n',    'u',   'x', '\x01',
                                    '\x7f', '\x80', '\xbf', '\xc3', '\xed', '\xf4', '\xff'};
  Writer w(7);
  for (int i = 0; i < 40; ++i) {
    const std::string text = GenerateTask(w).json;
    for (size_t n = 0; n < text.size(); ++n) ExpectAgrees(text.substr(0, n));
    for (int m = 0; m < 150; ++m) {
      const size_t at = w.Below(text.size());
      const char byte = kBytes[w.Below(std::size(kBytes))];
      std::string mutated = text;
      switch (w.Below(3)) {
        case 0: mutated.erase(at, 1); break;
        case 1: mutated[at] = byte; break;
        default: mutated.insert(at, 1, byte);
      }
      ExpectAgrees(mutated);
    }
  }
}

std::string PollingJson() {
  Task t;
  t.id = "t-1";
  t.plugin = "p";
  t.signature = "s";
  t.resource = Resource{"dc1", "c", "sc", "t", "r1", "e", "disc", 1.5, {{"a", "1"}, {"b", "2"}}};
  t.scheduled_for = 1700000000.0;
  t.expires_at = 1700000120.0;
  t.time_limit = 75;
  return SerializeTask(t);
}

// `text` with the first occurrence of `from` replaced by `to`.
std::string Replace(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return at == std::string::npos ? text : text.replace(at, from.size(), to);
}

TEST(Unit, TaskFastPathDeclinesDuplicateAndUnknownKeys) {
  const std::string base = PollingJson();
  const std::string duplicate_id = Replace(base, "{\"v\":1,", "{\"v\":1,\"id\":\"first\",");
  const std::string duplicate_meta = Replace(base, "{\"a\":\"1\"", "{\"a\":\"0\",\"a\":\"1\"");
  const std::string duplicate_site =
      Replace(base, "{\"resource_site\"", "{\"resource_site\":\"x\",\"resource_site\"");
  const std::string unknown_top = Replace(base, "{\"v\":1,", "{\"future\":[1,{}],\"v\":1,");
  const std::string unknown_resource =
      Replace(base, "{\"resource_site\"", "{\"extra\":null,\"resource_site\"");
  for (const std::string& text :
       {duplicate_id, duplicate_meta, duplicate_site, unknown_top, unknown_resource}) {
    EXPECT_FALSE(ParseTaskFast(text).has_value()) << text;
    ASSERT_TRUE(ParseTask(text).ok()) << text;
    ExpectAgrees(text);
  }
  EXPECT_EQ(ParseTask(duplicate_id)->id, "t-1");  // nlohmann: the later duplicate wins
}

TEST(Unit, TaskFastPathDeclinesMissingFields) {
  const nlohmann::json base = nlohmann::json::parse(PollingJson());
  for (const auto& [field, value] : base.items()) {
    nlohmann::json j = base;
    j.erase(field);
    EXPECT_FALSE(ParseTaskFast(j.dump()).has_value()) << j.dump();
    ExpectAgrees(j.dump());
  }
  for (const auto& [field, value] : base["resource"].items()) {
    nlohmann::json j = base;
    j["resource"].erase(field);
    const bool optional = field == "resource_creation_timestamp" || field == "resource_metadata";
    EXPECT_EQ(ParseTaskFast(j.dump()).has_value(), optional) << j.dump();
    ExpectAgrees(j.dump());
  }
}

TEST(Unit, TaskFastPathDeclinesWrongTypesAndBadValues) {
  const nlohmann::json base = nlohmann::json::parse(PollingJson());
  const std::vector<std::pair<std::string, nlohmann::json>> changes = {
      {"v", 2},
      {"v", 1.0},
      {"v", "1"},
      {"id", 7},
      {"id", nullptr},
      {"kind", "alert"},
      {"kind", 1},
      {"plugin", ""},
      {"signature", true},
      {"resource", nullptr},
      {"resource", "r"},
      {"resource", {1}},
      {"time_limit", "5"},
      {"expires_at", nullptr},
      {"scheduled_for", nlohmann::json::object()}};
  for (const auto& [field, value] : changes) {
    nlohmann::json j = base;
    j[field] = value;
    EXPECT_FALSE(ParseTaskFast(j.dump()).has_value()) << j.dump();
    EXPECT_FALSE(ParseTask(j.dump()).ok()) << j.dump();
    ExpectAgrees(j.dump());
  }
  for (const char* field : {"resource_site", "resource_creation_timestamp", "resource_metadata"}) {
    nlohmann::json j = base;
    j["resource"][field] = nlohmann::json::array();
    EXPECT_FALSE(ParseTaskFast(j.dump()).has_value()) << j.dump();
    ExpectAgrees(j.dump());
  }
  nlohmann::json j = base;
  j["resource"]["resource_metadata"]["n"] = 1;
  EXPECT_FALSE(ParseTaskFast(j.dump()).has_value());
  ExpectAgrees(j.dump());
  j = base;
  j["kind"] = "discovery";
  EXPECT_FALSE(ParseTaskFast(j.dump()).has_value());
  ExpectAgrees(j.dump());
}

TEST(Unit, TaskParseMatchesSlowPathOnNumberEdges) {
  const std::string base = PollingJson();
  for (const char* number : {"0",
                             "-0",
                             "0.0",
                             "-0.0",
                             "1",
                             "-1",
                             "1e0",
                             "1E+0",
                             "5e-1",
                             "18446744073709551615",
                             "18446744073709551616",
                             "-9223372036854775808",
                             "-9223372036854775809",
                             "9007199254740993",
                             "99999999999999999999999999",
                             "4.9e-324",
                             "2e-324",
                             "1e-400",
                             "0e-400",
                             "2.2250738585072011e-308",
                             "1.7976931348623157e308",
                             "1.7976931348623158e308",
                             "1.7976931348623159e308",
                             "1e309",
                             "-1e400",
                             "0.1",
                             "1700000000.123",
                             "1.00000000000000011102230246251565404236316680908203125",
                             "01",
                             "1.",
                             ".5",
                             "1e",
                             "1e+",
                             "+1",
                             "-",
                             "--1",
                             "1.5e3.2",
                             "0x10",
                             "Infinity",
                             "NaN",
                             "1_000"}) {
    ExpectAgrees(Replace(base, "\"time_limit\":75.0", std::string("\"time_limit\":") + number));
    ExpectAgrees(Replace(base, "\"resource_creation_timestamp\":1.5",
                         std::string("\"resource_creation_timestamp\":") + number));
    ExpectAgrees(Replace(base, "\"v\":1", std::string("\"v\":") + number));
  }
  // nlohmann reads "-0" as the integer 0 (+0.0) but "-0.0" as the double -0.0.
  const auto minus_zero = ParseTaskFast(Replace(base, "\"time_limit\":75.0", "\"time_limit\":-0"));
  ASSERT_TRUE(minus_zero.has_value());
  EXPECT_FALSE(std::signbit(minus_zero->time_limit));
  const auto minus_zero_float = ParseTaskFast(Replace(base, "\"time_limit\":75.0", "\"time_limit\":-0.0"));
  ASSERT_TRUE(minus_zero_float.has_value());
  EXPECT_TRUE(std::signbit(minus_zero_float->time_limit));
}

TEST(Unit, TaskParseMatchesSlowPathOnStringEdges) {
  const std::string base = PollingJson();
  for (const char* value : {"a\\u0000b",
                            "\\ud83d\\ude00",
                            "\\uD834\\uDD1E",
                            "\\ud83d",
                            "\\ude00",
                            "\\ud83dx",
                            "\\ud83d\\u0041",
                            "\\u00e9\\u00E9",
                            "\\u12",
                            "\\u12g4",
                            "\\x41",
                            "\\'",
                            "\\/",
                            "\xc3\xa9",
                            "\xe2\x82\xac",
                            "\xf0\x9f\x98\x80",
                            "\xc0\x80",
                            "\xc1\xbf",
                            "\xe0\x80\xaf",
                            "\xed\xa0\x80",
                            "\xf0\x80\x80\x80",
                            "\xf4\x90\x80\x80",
                            "\xf5\x80",
                            "\x80",
                            "\xbf",
                            "\xff",
                            "\xc3",
                            "\xe2\x82",
                            "\xc3\x28",
                            "\x01",
                            "\x1f",
                            "\x7f",
                            "tab\there",
                            "\\"}) {
    SCOPED_TRACE(value);
    ExpectAgrees(Replace(base, "\"id\":\"t-1\"", std::string("\"id\":\"") + value + "\""));
    ExpectAgrees(Replace(base, "{\"a\":\"1\"", std::string("{\"") + value + "\":\"1\""));
    ExpectAgrees(Replace(base, "\"b\":\"2\"", std::string("\"b\":\"") + value + "\""));
  }
  const auto nul = ParseTaskFast(Replace(base, "\"id\":\"t-1\"", "\"id\":\"a\\u0000b\""));
  ASSERT_TRUE(nul.has_value());
  EXPECT_EQ(nul->id, std::string("a\0b", 3));
}

TEST(Unit, TaskParseMatchesSlowPathOnSurroundings) {
  const std::string base = PollingJson();
  for (const std::string& text :
       std::vector<std::string>{" \t\r\n" + base + " \n", "\xef\xbb\xbf" + base, base + "x", base + "{}",
                                base + "\v", "\v" + base, base + std::string(1, '\0'), "[" + base + "]",
                                std::string(), " ", "null", "{}", "{", "{\"v\":1}"}) {
    ExpectAgrees(text);
  }
  EXPECT_TRUE(ParseTaskFast(" \t\r\n" + base + " \n").has_value());
}

}  // namespace
}  // namespace panoptes::model
