#pragma once
// Commands encoded in the Redis protocol (RESP2) by the caller, for large multi-field commands
// (the schedule rebuild writes thousands of fields per command): the arguments are appended to
// one buffer as they are produced, with no per-argument strings and no second formatting pass.
// Sent with Client::SendPipeline(const EncodedCommands&). A value type; not thread-safe.

#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>

namespace panoptes::redis {

class EncodedCommands {
 public:
  // Appends one argument in its wire form ("$<length>\r\n<bytes>\r\n") to `body`.
  static void AppendArg(std::string& body, std::string_view arg);
  // Appends the command `head`... followed by `body_args` arguments already encoded in `body`.
  void Add(std::initializer_list<std::string_view> head, size_t body_args, std::string_view body);

  size_t commands() const { return commands_; }
  bool empty() const { return commands_ == 0; }
  const std::string& bytes() const { return bytes_; }
  void Clear() {
    bytes_.clear();
    commands_ = 0;
  }

 private:
  std::string bytes_;
  size_t commands_ = 0;
};

}  // namespace panoptes::redis
