#include "core/text.h"

#include <cstdint>
#include <cstdio>

namespace panoptes::core {
namespace {

// Length of the valid UTF-8 sequence at text[i] and its code point; 0 when invalid.
size_t Utf8Sequence(std::string_view text, size_t i, uint32_t& cp) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char b = byte(i);
  size_t len = b >= 0xF0 && b <= 0xF4 ? 4 : b >= 0xE0 ? 3 : b >= 0xC2 && b < 0xE0 ? 2 : 0;
  if (len == 0 || i + len > text.size()) return 0;
  cp = b & (0x7F >> len);
  for (size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  bool overlong = (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
  if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

// C1 controls, line/paragraph separators, bidirectional embeddings, overrides and isolates.
bool IsUnsafeCodePoint(uint32_t cp) {
  return (cp >= 0x80 && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069);
}

bool IsPlainAscii(unsigned char c) {
  return c >= 0x20 && c < 0x7F;
}

}  // namespace

bool IsPrintable(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    if (IsPlainAscii(c)) {
      ++i;
      continue;
    }
    uint32_t cp = 0;
    size_t len = c >= 0x80 ? Utf8Sequence(text, i, cp) : 0;
    if (len == 0 || IsUnsafeCodePoint(cp)) return false;
    i += len;
  }
  return true;
}

std::string EscapeNonPrintable(std::string_view text) {
  if (IsPrintable(text)) return std::string(text);
  std::string out;
  out.reserve(text.size() + 16);
  char buf[12];
  for (size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    uint32_t cp = 0;
    size_t len = c >= 0x80 ? Utf8Sequence(text, i, cp) : 0;
    if (IsPlainAscii(c)) {
      out += static_cast<char>(c);
    } else if (c == '\n' || c == '\r' || c == '\t') {
      out += c == '\n' ? "\\n" : c == '\r' ? "\\r" : "\\t";
    } else if (len == 0) {
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      out += buf;
    } else if (IsUnsafeCodePoint(cp)) {
      std::snprintf(buf, sizeof buf, "\\u%04X", static_cast<unsigned>(cp));
      out += buf;
    } else {
      out.append(text.substr(i, len));
    }
    i += len == 0 ? 1 : len;
  }
  return out;
}

size_t DisplayWidth(std::string_view text) {
  size_t width = 0;
  for (unsigned char c : text) width += (c & 0xC0) != 0x80;
  return width;
}

}  // namespace panoptes::core
