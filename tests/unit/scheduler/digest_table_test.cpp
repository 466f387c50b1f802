#include "scheduler/digest_table.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace panoptes::scheduler {
namespace {

// An entry of plugin `name` with a well-formed id (32 hex of signature) or, with `hex` empty, an id
// of another form.
Entry Make(const std::string& name, const std::string& hex, int64_t frequency_ms,
           const std::string& payload) {
  Entry e;
  e.id = hex.empty() ? name + ":odd-" + payload : name + ":" + hex;
  e.frequency_ms = frequency_ms;
  e.expires_ms = 2 * frequency_ms;
  e.value = std::to_string(frequency_ms) + "|" + std::to_string(e.expires_ms) + "|{" + payload;
  return e;
}

std::string Hex(int i) {
  std::string out;
  AppendHex64(out, 0xabcdef0000000000ull + static_cast<uint64_t>(i));
  AppendHex64(out, static_cast<uint64_t>(i) * 7919);
  return out;
}

struct Outcome {
  RebuildStats stats;
  std::map<std::string, std::optional<int64_t>> set;  // id -> splay (when a new cadence)
  std::set<std::string> removed;
};

Outcome Diff(DigestTable& table, const std::vector<Entry>& entries,
             const std::vector<std::string>* scope = nullptr) {
  Outcome out;
  out.stats = table.Diff(
      [&](const std::function<void(Entry &&)>& sink) {
        for (const Entry& e : entries) sink(Entry(e));
      },
      scope, [&](const Entry& e, std::optional<int64_t> splay, bool) { out.set[e.id] = splay; },
      [&](const std::string& id) { out.removed.insert(id); });
  return out;
}

TEST(Unit, DigestTableDiffSetsNewAndChangedEntriesAndRemovesGoneOnes) {
  DigestTable table;
  std::vector<Entry> first = {Make("a", Hex(1), 60000, "x"), Make("a", Hex(2), 60000, "y"),
                              Make("b", "", 60000, "z")};
  Outcome o = Diff(table, first);
  EXPECT_EQ(o.stats.added, 3u);
  EXPECT_EQ(table.size(), 3u);
  for (const auto& [id, splay] : o.set) {
    ASSERT_TRUE(splay.has_value()) << id;
    EXPECT_EQ(*splay, SplayMs(id, 60000));
  }
  // a:1 unchanged, a:2 new value (cadence kept), b:odd gone, a:3 new, a:1 twice counts once.
  std::vector<Entry> second = {Make("a", Hex(1), 60000, "x"), Make("a", Hex(2), 60000, "y2"),
                               Make("a", Hex(3), 60000, "w"), Make("a", Hex(1), 60000, "x")};
  o = Diff(table, second);
  EXPECT_EQ(o.stats.unchanged, 1u);
  EXPECT_EQ(o.stats.updated, 1u);
  EXPECT_EQ(o.stats.added, 1u);
  EXPECT_EQ(o.stats.removed, 1u);
  EXPECT_FALSE(o.set.at("a:" + Hex(2)).has_value());
  EXPECT_TRUE(o.set.at("a:" + Hex(3)).has_value());
  EXPECT_EQ(o.removed, std::set<std::string>{"b:odd-z"});
  EXPECT_EQ(table.size(), 3u);
  // A new frequency restarts the cadence.
  o = Diff(table,
           {Make("a", Hex(1), 30000, "x"), Make("a", Hex(2), 60000, "y2"), Make("a", Hex(3), 60000, "w")});
  EXPECT_EQ(o.stats.rescheduled, 1u);
  EXPECT_TRUE(o.set.at("a:" + Hex(1)).has_value());
}

TEST(Unit, DigestTableScopedDiffRemovesOnlyEntriesOfPluginsInScope) {
  DigestTable table;
  Diff(table, {Make("a", Hex(1), 60000, "x"), Make("b", Hex(2), 60000, "y"), Make("b", "", 60000, "q"),
               Make("c", Hex(3), 60000, "z")});
  std::vector<std::string> scope = {"b"};
  Outcome o = Diff(table, {Make("b", Hex(2), 60000, "y")}, &scope);
  EXPECT_EQ(o.stats.unchanged, 1u);
  EXPECT_EQ(o.removed, std::set<std::string>{"b:odd-q"});
  EXPECT_EQ(table.size(), 3u);
  scope = {"a", "c"};
  o = Diff(table, {}, &scope);
  EXPECT_EQ(o.removed, (std::set<std::string>{"a:" + Hex(1), "c:" + Hex(3)}));
  EXPECT_EQ(table.size(), 1u);
}

TEST(Unit, DigestTableTakesDigestsOfStoredValuesAndTreatsMalformedOnesAsChanged) {
  DigestTable table;
  Entry e = Make("a", Hex(1), 60000, "x");
  EntryDigest d = DigestOfValue(e.value);
  EXPECT_EQ(d.hash, e.Hash());
  EXPECT_EQ(d.frequency_ms, 60000);
  EXPECT_EQ(DigestOfValue("garbage").frequency_ms, -1);
  EXPECT_EQ(DigestOfValue("0|1|x").frequency_ms, -1);
  EXPECT_NE(ValueHash("60000|1|{a"), ValueHash("60000|1|{b"));
  table.Put(e.id, d);
  Entry f = Make("a", Hex(2), 60000, "y");
  table.Put(f.id, DigestOfValue("garbage"));
  Outcome o = Diff(table, {e, f});
  EXPECT_EQ(o.stats.unchanged, 1u);
  EXPECT_EQ(o.stats.rescheduled, 1u);  // no known frequency: a new cadence
}

TEST(Unit, DigestTablePacksFrequenciesExactlyForEveryPluginFrequency) {
  EXPECT_EQ(PackFrequency(60000), 60);
  EXPECT_EQ(PackFrequency(int64_t{31536000} * 1000), 31536000) << "a year, the longest execute_frequency";
  EXPECT_EQ(PackFrequency(1500), -1500);
  EXPECT_NE(PackFrequency(1000), PackFrequency(1001));
  EXPECT_EQ(PackFrequency(0), 0);
  EXPECT_EQ(PackFrequency(-5), 0);
  EXPECT_EQ(PackFrequency(int64_t{1} << 40 | 1), 0) << "not representable: unknown";
}

TEST(Unit, DigestTableKeepsManyEntriesThroughGrowthAndRemovals) {
  // Enough entries to grow the table several times, then a diff that drops two thirds of them
  // (the table shrinks and re-places the rest) and changes some of the others.
  DigestTable table;
  std::vector<Entry> all;
  for (int i = 0; i < 5000; ++i) all.push_back(Make("a", Hex(i), 60000, "v" + std::to_string(i)));
  Outcome first = Diff(table, all);
  EXPECT_EQ(first.stats.added, 5000u);
  EXPECT_EQ(table.size(), 5000u);
  EXPECT_EQ(Diff(table, all).stats.unchanged, 5000u) << "an entry was lost or misplaced while growing";
  std::vector<Entry> kept;
  std::set<std::string> gone;
  for (int i = 0; i < 5000; ++i) {
    if (i % 3 != 0) {
      gone.insert(all[i].id);
      continue;
    }
    kept.push_back(i % 2 == 0 ? Make("a", Hex(i), 60000, "changed") : all[i]);
  }
  Outcome second = Diff(table, kept);
  EXPECT_EQ(second.removed, gone);
  EXPECT_EQ(second.stats.updated + second.stats.unchanged, kept.size());
  EXPECT_EQ(second.stats.updated, (kept.size() + 1) / 2);
  EXPECT_EQ(table.size(), kept.size());
  EXPECT_EQ(Diff(table, kept).stats.unchanged, kept.size()) << "an entry was lost when the table shrank";
}

}  // namespace
}  // namespace panoptes::scheduler
