#include "config/ini_reader.h"

#include <gtest/gtest.h>

namespace panoptes::config {
namespace {

TEST(Unit, IniReaderKeepsLineNumbersSectionsAndOrder) {
  auto doc = ParseIni("; comment\n[A]\nk1 = v1\n\n[Empty]\n# c\n[B]\nk2: v2\n", "x.ini");
  ASSERT_TRUE(doc.ok()) << doc.status().ToString();
  ASSERT_EQ(doc->entries.size(), 2u);
  EXPECT_EQ(doc->entries[0].section, "A");
  EXPECT_EQ(doc->entries[0].line, 3);
  EXPECT_EQ(doc->entries[1].key, "k2");
  EXPECT_EQ(doc->entries[1].value, "v2");
  EXPECT_EQ(doc->entries[1].line, 8);
  ASSERT_EQ(doc->sections.size(), 3u);
  EXPECT_EQ(doc->sections[1].name, "Empty");
  EXPECT_EQ(doc->sections[1].line, 5);
  EXPECT_TRUE(doc->HasSection("Empty"));
  EXPECT_FALSE(doc->HasSection("empty"));
}

TEST(Unit, IniReaderJoinsContinuationLinesWithNewline) {
  auto doc = ParseIni("[s]\nk = first\n  second\n\tthird\nnext = 1\n", "x.ini");
  ASSERT_TRUE(doc.ok()) << doc.status().ToString();
  ASSERT_NE(doc->Find("s", "k"), nullptr);
  EXPECT_EQ(doc->Find("s", "k")->value, "first\nsecond\nthird");
  EXPECT_EQ(doc->Find("s", "next")->line, 5);
}

TEST(Unit, IniReaderStripsInlineCommentsCrlfAndBom) {
  auto doc = ParseIni("\xEF\xBB\xBF[s]\r\nk = 42 ; the answer\r\nurl = a;b\r\n", "x.ini");
  ASSERT_TRUE(doc.ok()) << doc.status().ToString();
  EXPECT_EQ(doc->Find("s", "k")->value, "42");
  EXPECT_EQ(doc->Find("s", "url")->value, "a;b");
  EXPECT_EQ(doc->sections.at(0).name, "s");
}

TEST(Unit, IniReaderLowercasesKeysOnlyWhenAsked) {
  auto kept = ParseIni("[Core]\nName = x\n", "x.ini");
  ASSERT_TRUE(kept.ok());
  EXPECT_NE(kept->Find("Core", "Name"), nullptr);
  auto lowered = ParseIni("[Core]\nName = x\n", "x.ini", IniOptions{.lowercase_keys = true});
  ASSERT_TRUE(lowered.ok());
  EXPECT_NE(lowered->Find("Core", "name"), nullptr);
  EXPECT_EQ(lowered->Find("core", "name"), nullptr) << "section names stay case-sensitive";
}

TEST(Unit, IniReaderRejectsDuplicateKeyNamingBothLines) {
  auto doc = ParseIni("[s]\nport = 1\n\nPORT = 2\n", "/etc/p.ini", IniOptions{.lowercase_keys = true});
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().message(), "/etc/p.ini:4: [s] duplicate key 'port' (first set on line 2)");
}

TEST(Unit, IniReaderRejectsKeyBeforeAnySection) {
  auto doc = ParseIni("k = v\n[s]\n", "/etc/p.ini");
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().message(), "/etc/p.ini:1: key 'k' appears before any [section] header");
}

TEST(Unit, IniReaderReportsSyntaxErrorsWithLine) {
  auto header = ParseIni("[s]\nk = v\n[broken\n", "/etc/p.ini");
  ASSERT_FALSE(header.ok());
  EXPECT_EQ(header.status().message(), "/etc/p.ini:3: INI syntax error: section header without ']'");
  auto pair = ParseIni("[s]\n\njust words\n", "/etc/p.ini");
  ASSERT_FALSE(pair.ok());
  EXPECT_EQ(pair.status().message(),
            "/etc/p.ini:3: INI syntax error: expected '[section]' or 'key = value', got 'just words'");
}

TEST(Unit, IniReaderRejectsOverlongLine) {
  std::string text = "[s]\nk = " + std::string(kMaxIniLine, 'x') + "\n";
  auto doc = ParseIni(text, "/etc/p.ini");
  ASSERT_FALSE(doc.ok());
  EXPECT_NE(doc.status().message().find("/etc/p.ini:2: line is longer than 199 characters"),
            std::string::npos)
      << doc.status().message();
  std::string fits = "[s]\nk = " + std::string(kMaxIniLine - 4, 'x') + "\n";
  EXPECT_TRUE(ParseIni(fits, "/etc/p.ini").ok());
}

TEST(Unit, IniReaderReportsMissingFileAndDirectory) {
  auto missing = ReadIniFile("fixtures/config/no_such_file.ini");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(),
            "fixtures/config/no_such_file.ini: cannot open: No such file or directory");
  auto dir = ReadIniFile("fixtures/config");
  ASSERT_FALSE(dir.ok());
  EXPECT_EQ(dir.status().message(), "fixtures/config: is a directory");
}

}  // namespace
}  // namespace panoptes::config
