// Lexer of the resource filter DSL.
#include "resources/filter_lexer.h"

namespace panoptes::resources::internal {
namespace {

bool IsWordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == '-';
}

Status ColumnError(size_t index, const std::string& message) {
  return Status::InvalidArgument("column " + std::to_string(index + 1) + ": " + message);
}

// Reads the string literal starting at expr[i] (the quote); advances i past the closing quote.
Result<Token> ReadString(std::string_view expr, size_t& i) {
  const char quote = expr[i];
  Token token{Token::Kind::kString, "", static_cast<int>(i + 1)};
  const size_t start = i++;
  while (i < expr.size() && expr[i] != quote) {
    if (expr[i] == '\\') {
      if (++i == expr.size()) break;
    }
    token.text += expr[i++];
  }
  if (i >= expr.size()) {
    return ColumnError(start, std::string("unterminated string literal: no closing ") + quote);
  }
  ++i;
  return token;
}

}  // namespace

Result<std::vector<Token>> Tokenize(std::string_view expr) {
  std::vector<Token> tokens;
  size_t i = 0;
  while (i < expr.size()) {
    const char c = expr[i];
    const int column = static_cast<int>(i + 1);
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i;
    } else if (c == '"' || c == '\'') {
      auto token = ReadString(expr, i);
      if (!token.ok()) return token.status();
      tokens.push_back(std::move(*token));
    } else if (IsWordChar(c)) {
      const size_t start = i;
      while (i < expr.size() && IsWordChar(expr[i])) ++i;
      tokens.push_back({Token::Kind::kWord, std::string(expr.substr(start, i - start)), column});
    } else if (c == '(' || c == ')' || c == ',' || c == '=') {
      const auto kind = c == '('   ? Token::Kind::kLParen
                        : c == ')' ? Token::Kind::kRParen
                        : c == ',' ? Token::Kind::kComma
                                   : Token::Kind::kEq;
      tokens.push_back({kind, std::string(1, c), column});
      ++i;
    } else if (c == '!' && i + 1 < expr.size() && expr[i + 1] == '=') {
      tokens.push_back({Token::Kind::kNe, "!=", column});
      i += 2;
    } else {
      return ColumnError(i, std::string("unexpected character '") + c + "'");
    }
  }
  tokens.push_back({Token::Kind::kEnd, "", static_cast<int>(expr.size() + 1)});
  return tokens;
}

std::string Describe(const Token& token) {
  switch (token.kind) {
    case Token::Kind::kEnd: return "end of input";
    case Token::Kind::kString: return "string literal \"" + token.text + "\"";
    case Token::Kind::kWord: return "'" + token.text + "'";
    default: return "'" + token.text + "'";
  }
}

}  // namespace panoptes::resources::internal
