#pragma once
// Text from outside (plugin files, Redis, plugins) made safe to show on a terminal or in a log:
// every log line and every panoptes-ctl table goes through EscapeNonPrintable, so a file of binary
// garbage cannot send escape sequences to an operator's terminal or forge log lines.
// Pure functions; thread-safe.

#include <cstddef>
#include <string>
#include <string_view>

namespace panoptes::core {

// `text` with printable ASCII and valid UTF-8 kept and everything else escaped: \n \r \t as
// those two characters, other C0 controls, DEL and bytes of invalid UTF-8 as \xHH, C1 controls
// and the Unicode line separators and bidirectional overrides (which reorder what a terminal
// shows) as \uHHHH. The result is one line.
std::string EscapeNonPrintable(std::string_view text);

// True when EscapeNonPrintable would return `text` unchanged (the fast path of the logger).
bool IsPrintable(std::string_view text);

// The number of code points of valid UTF-8 `text` (its width in a table of mostly ASCII).
size_t DisplayWidth(std::string_view text);

}  // namespace panoptes::core
