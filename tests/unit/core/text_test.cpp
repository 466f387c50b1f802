#include "core/text.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

#include "core/logging.h"

namespace panoptes::core {
namespace {

TEST(Unit, EscapeKeepsPrintableAsciiAndValidUtf8) {
  EXPECT_EQ(EscapeNonPrintable("plain text: a=b \"q\" \\ 100%"), "plain text: a=b \"q\" \\ 100%");
  EXPECT_EQ(EscapeNonPrintable("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"),
            "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
  EXPECT_TRUE(IsPrintable("caf\xC3\xA9"));
}

TEST(Unit, EscapeTurnsControlBytesAndInvalidUtf8IntoOneLine) {
  EXPECT_EQ(EscapeNonPrintable("a\nb\rc\td"), "a\\nb\\rc\\td");
  EXPECT_EQ(EscapeNonPrintable("\x1B[2J\x07\x7F"), "\\x1B[2J\\x07\\x7F");
  EXPECT_EQ(EscapeNonPrintable(std::string("nul\0end", 7)), "nul\\x00end");
  EXPECT_EQ(EscapeNonPrintable("\xFF\xFE"), "\\xFF\\xFE");
  EXPECT_EQ(EscapeNonPrintable("\xC3"), "\\xC3") << "a truncated sequence";
  EXPECT_EQ(EscapeNonPrintable("\xC0\xAF"), "\\xC0\\xAF") << "an overlong '/'";
  EXPECT_EQ(EscapeNonPrintable("\xED\xA0\x80"), "\\xED\\xA0\\x80") << "a UTF-16 surrogate";
  EXPECT_FALSE(IsPrintable("\x1B"));
}

TEST(Unit, EscapeNamesC1ControlsAndBidiOverridesAsCodePoints) {
  EXPECT_EQ(EscapeNonPrintable("\xC2\x9B"
                               "31m"),
            "\\u009B31m")
      << "CSI as a C1 control";
  EXPECT_EQ(EscapeNonPrintable("a\xE2\x80\xAE"
                               "b"),
            "a\\u202Eb")
      << "right-to-left override";
  EXPECT_EQ(EscapeNonPrintable("\xE2\x80\xA8"), "\\u2028");
}

TEST(Unit, DisplayWidthCountsCodePoints) {
  EXPECT_EQ(DisplayWidth("abc"), 3u);
  EXPECT_EQ(DisplayWidth("caf\xC3\xA9"), 4u);
}

// Regression: a plugin file of binary garbage reached the daemons' logs raw, escape bytes included.
TEST(Unit, EveryLogLineHasItsMessageEscaped) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  spdlog::logger logger("test", sink);
  logger.set_formatter(MakeLogFormatter(true));
  logger.error("plugin {} not scheduled: {}", "/p/x.panoptes-plugin",
               "key '\x1B]0;pwned\x07' bad\nforged: line");
  EXPECT_EQ(out.str(),
            "[test] error: plugin /p/x.panoptes-plugin not scheduled: key '\\x1B]0;pwned\\x07' bad\\nforged: "
            "line\n");
}

}  // namespace
}  // namespace panoptes::core
