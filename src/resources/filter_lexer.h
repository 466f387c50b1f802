#pragma once
// Private to the filter: the tokens of the resource filter DSL (docs/resource-filter.md).
// Pure functions; thread-safe.

#include <string>
#include <string_view>
#include <vector>

#include "panoptes/status.h"

namespace panoptes::resources::internal {

struct Token {
  enum class Kind { kWord, kString, kLParen, kRParen, kComma, kEq, kNe, kEnd };
  Kind kind = Kind::kEnd;
  std::string text;  // kWord: as written; kString: the value with escapes resolved
  int column = 1;    // 1-based byte column of the token's first character
};

// Splits `expr` into tokens ending with a kEnd token. Words are runs of [A-Za-z0-9_.-]; strings
// are quoted with " or ', where a backslash makes the next character literal. Errors (unterminated
// string, unexpected character) are kInvalidArgument "column N: ...".
Result<std::vector<Token>> Tokenize(std::string_view expr);

// How a token is named in "expected X but found Y": `end of input`, `')'`, `word 'foo'`, ...
std::string Describe(const Token& token);

}  // namespace panoptes::resources::internal
