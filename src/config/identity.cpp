#include "config/identity.h"

namespace panoptes::config {

std::string NormalizedName(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 8);
  bool in_multibyte = false;  // inside a UTF-8 sequence: its continuation bytes add nothing
  for (char ch : name) {
    auto c = static_cast<unsigned char>(ch);
    bool continuation = (c & 0xC0) == 0x80;
    if (continuation && in_multibyte) continue;
    in_multibyte = c >= 0x80;
    bool word = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (c == '_') {
      out += "__";
    } else {
      out += word ? ch : '_';
    }
  }
  return out;
}

}  // namespace panoptes::config
