#include "redis/encoded.h"

#include <charconv>

namespace panoptes::redis {
namespace {

void AppendHeader(std::string& out, char type, size_t n) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), n);
  out += type;
  out.append(digits, static_cast<size_t>(end - digits));
  out += "\r\n";
}

}  // namespace

void EncodedCommands::AppendArg(std::string& body, std::string_view arg) {
  AppendHeader(body, '$', arg.size());
  body.append(arg);
  body += "\r\n";
}

void EncodedCommands::Add(std::initializer_list<std::string_view> head, size_t body_args,
                          std::string_view body) {
  AppendHeader(bytes_, '*', head.size() + body_args);
  for (std::string_view arg : head) AppendArg(bytes_, arg);
  bytes_.append(body);
  ++commands_;
}

}  // namespace panoptes::redis
