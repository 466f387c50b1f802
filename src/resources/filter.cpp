// Parser (recursive descent over the lexer's tokens) and evaluator of the resource filter DSL.
#include "resources/filter.h"

#include <array>
#include <utility>

#include "resources/filter_lexer.h"

namespace panoptes::resources {
namespace {

using internal::Token;

constexpr int kMaxDepth = 64;  // nested parentheses / NOTs: bounds the parser's recursion

char AsciiLower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

// Index just past the UTF-8 character starting at text[i].
size_t NextChar(std::string_view text, size_t i) {
  ++i;
  while (i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) ++i;
  return i;
}

constexpr std::array<std::pair<std::string_view, int>, 7> kFieldNames = {{{"resource_site", 0},
                                                                          {"resource_class", 1},
                                                                          {"resource_subclass", 2},
                                                                          {"resource_type", 3},
                                                                          {"resource_id", 4},
                                                                          {"resource_endpoint", 5},
                                                                          {"resource_plugin", 6}}};
constexpr std::string_view kMetadataPrefix = "resource_metadata.";

bool IsKeyword(const Token& token, std::string_view keyword) {
  return token.kind == Token::Kind::kWord && AsciiLower(token.text) == keyword;
}

void AppendQuoted(std::string& out, std::string_view value) {
  out += '"';
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

}  // namespace

bool LikeMatch(std::string_view pattern, std::string_view text) {
  size_t p = 0, t = 0;
  size_t star_p = std::string_view::npos, star_t = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '%') {
      star_p = ++p;
      star_t = t;
    } else if (p < pattern.size() && pattern[p] == '_') {
      ++p;
      t = NextChar(text, t);
    } else if (p < pattern.size() && pattern[p] == AsciiLower(text[t])) {
      ++p;
      ++t;
    } else if (star_p != std::string_view::npos) {
      // Let the last '%' swallow one more character and retry from there.
      star_t = NextChar(text, star_t);
      t = star_t;
      p = star_p;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '%') ++p;
  return p == pattern.size();
}

// Recursive descent: or_expr = and_expr {OR and_expr}; and_expr = unary {AND unary};
// unary = NOT unary | '(' or_expr ')' | clause.
class FilterParser {
 public:
  explicit FilterParser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  Result<Filter> Parse(std::string_view expr) {
    filter_.expression_ = std::string(expr);
    auto root = ParseOr(0);
    if (!root.ok()) return root.status();
    if (Peek().kind != Token::Kind::kEnd) return Expected("AND, OR or end of input");
    filter_.root_ = *root;
    return std::move(filter_);
  }

 private:
  using Node = Filter::Node;
  using Op = Filter::Op;
  using Field = Filter::Field;

  const Token& Peek() const { return tokens_[pos_]; }
  const Token& Next() { return tokens_[pos_++]; }

  Status Expected(const std::string& what) const {
    return Status::InvalidArgument("column " + std::to_string(Peek().column) + ": expected " + what +
                                   " but found " + internal::Describe(Peek()));
  }

  int32_t Add(Node node) {
    filter_.nodes_.push_back(std::move(node));
    return static_cast<int32_t>(filter_.nodes_.size() - 1);
  }

  // Parses `sub {keyword sub}` into one n-ary node of `op` (or the single operand).
  template <typename SubParser>
  Result<int32_t> ParseChain(int depth, std::string_view keyword, Op op, SubParser sub) {
    auto first = sub(depth);
    if (!first.ok()) return first;
    if (!IsKeyword(Peek(), keyword)) return first;
    Node node;
    node.op = op;
    node.children.push_back(*first);
    while (IsKeyword(Peek(), keyword)) {
      Next();
      auto operand = sub(depth);
      if (!operand.ok()) return operand;
      node.children.push_back(*operand);
    }
    return Add(std::move(node));
  }

  Result<int32_t> ParseOr(int depth) {
    return ParseChain(depth, "or", Op::kOr, [this](int d) { return ParseAnd(d); });
  }

  Result<int32_t> ParseAnd(int depth) {
    return ParseChain(depth, "and", Op::kAnd, [this](int d) { return ParseUnary(d); });
  }

  Result<int32_t> ParseUnary(int depth) {
    if (depth >= kMaxDepth) {
      return Status::InvalidArgument("column " + std::to_string(Peek().column) +
                                     ": expression nested deeper than " + std::to_string(kMaxDepth));
    }
    if (IsKeyword(Peek(), "not")) {
      Next();
      auto operand = ParseUnary(depth + 1);
      if (!operand.ok()) return operand;
      Node node;
      node.op = Op::kNot;
      node.children.push_back(*operand);
      return Add(std::move(node));
    }
    if (Peek().kind == Token::Kind::kLParen) {
      Next();
      auto inner = ParseOr(depth + 1);
      if (!inner.ok()) return inner;
      if (Peek().kind != Token::Kind::kRParen) return Expected("')'");
      Next();
      return inner;
    }
    return ParseClause();
  }

  Status ParseField(Node& node) {
    const Token& token = Peek();
    if (token.kind != Token::Kind::kWord) return Expected("a field name, NOT or '('");
    const std::string lowered = AsciiLower(token.text);
    for (const auto& [name, index] : kFieldNames) {
      if (lowered == name) {
        node.field = static_cast<Field>(index);
        Next();
        return Status::Ok();
      }
    }
    if (lowered.starts_with(kMetadataPrefix) && lowered.size() > kMetadataPrefix.size()) {
      node.field = Field::kMetadata;
      node.metadata_key = token.text.substr(kMetadataPrefix.size());  // keys keep their case
      Next();
      return Status::Ok();
    }
    return Status::InvalidArgument(
        "column " + std::to_string(token.column) + ": unknown field '" + token.text +
        "' (expected resource_site, resource_class, resource_subclass, resource_type, "
        "resource_id, resource_endpoint, resource_plugin or resource_metadata.<key>)");
  }

  Status ParseString(Node& node, const char* what) {
    if (Peek().kind != Token::Kind::kString) return Expected(what);
    node.values.push_back(Next().text);
    return Status::Ok();
  }

  Status ParseInList(Node& node) {
    if (Peek().kind != Token::Kind::kLParen) return Expected("'(' after IN");
    Next();
    if (Peek().kind == Token::Kind::kRParen) return Expected("a string literal (an IN list cannot be empty)");
    PANOPTES_RETURN_IF_ERROR(ParseString(node, "a string literal"));
    while (Peek().kind == Token::Kind::kComma) {
      Next();
      PANOPTES_RETURN_IF_ERROR(ParseString(node, "a string literal after ','"));
    }
    if (Peek().kind != Token::Kind::kRParen) return Expected("',' or ')'");
    Next();
    return Status::Ok();
  }

  Status ParseOperator(Node& node) {
    const Token& token = Peek();
    const bool negated = IsKeyword(token, "not");
    if (negated) Next();
    if (!negated && (token.kind == Token::Kind::kEq || IsKeyword(token, "eq"))) {
      node.op = Op::kEq;
    } else if (!negated && (token.kind == Token::Kind::kNe || IsKeyword(token, "ne"))) {
      node.op = Op::kNe;
    } else if (IsKeyword(Peek(), "like")) {
      node.op = negated ? Op::kNotLike : Op::kLike;
    } else if (IsKeyword(Peek(), "in")) {
      node.op = negated ? Op::kNotIn : Op::kIn;
    } else {
      return Expected(negated ? "LIKE or IN after NOT" : "an operator (=, !=, LIKE, NOT LIKE, IN, NOT IN)");
    }
    Next();
    return Status::Ok();
  }

  Result<int32_t> ParseClause() {
    Node node;
    PANOPTES_RETURN_IF_ERROR(ParseField(node));
    PANOPTES_RETURN_IF_ERROR(ParseOperator(node));
    if (node.op == Op::kIn || node.op == Op::kNotIn) {
      PANOPTES_RETURN_IF_ERROR(ParseInList(node));
    } else {
      PANOPTES_RETURN_IF_ERROR(ParseString(node, "a string literal"));
    }
    if (node.op == Op::kLike || node.op == Op::kNotLike) node.like_pattern = AsciiLower(node.values[0]);
    return Add(std::move(node));
  }

  std::vector<Token> tokens_;
  size_t pos_ = 0;
  Filter filter_;
};

Result<Filter> ParseFilter(std::string_view expr) {
  auto tokens = internal::Tokenize(expr);
  if (!tokens.ok()) return tokens.status();
  return FilterParser(std::move(*tokens)).Parse(expr);
}

namespace {

// The field a clause compares, or nullopt (a metadata key the resource does not have).
std::optional<std::string_view> MetadataOf(const Resource& r, const std::string& key) {
  auto it = r.metadata.find(key);
  if (it == r.metadata.end()) return std::nullopt;
  return std::string_view(it->second);
}

std::optional<std::string_view> MetadataOf(const ResourceView& r, const std::string& key) {
  return r.metadata ? r.metadata(r.context, r.row, key) : std::nullopt;
}

}  // namespace

bool Filter::Matches(const Resource& resource) const {
  return root_ >= 0 && Eval(root_, resource);
}

bool Filter::Matches(const ResourceView& resource) const {
  return root_ >= 0 && Eval(root_, resource);
}

template <typename R>
bool Filter::Eval(int32_t index, const R& r) const {
  const Node& node = nodes_[static_cast<size_t>(index)];
  switch (node.op) {
    case Op::kAnd:
      for (int32_t child : node.children) {
        if (!Eval(child, r)) return false;
      }
      return true;
    case Op::kOr:
      for (int32_t child : node.children) {
        if (Eval(child, r)) return true;
      }
      return false;
    case Op::kNot: return !Eval(node.children[0], r);
    default: break;
  }
  std::optional<std::string_view> value;
  switch (node.field) {
    case Field::kSite: value = r.site; break;
    case Field::kClass: value = r.class_; break;
    case Field::kSubclass: value = r.subclass; break;
    case Field::kType: value = r.type; break;
    case Field::kId: value = r.id; break;
    case Field::kEndpoint: value = r.endpoint; break;
    case Field::kPlugin: value = r.plugin; break;
    case Field::kMetadata: value = MetadataOf(r, node.metadata_key); break;
  }
  // A missing metadata key satisfies no positive comparison, so every negated one holds.
  const bool negated = node.op == Op::kNe || node.op == Op::kNotLike || node.op == Op::kNotIn;
  if (!value) return negated;
  bool hit = false;
  if (node.op == Op::kEq || node.op == Op::kNe) {
    hit = *value == node.values[0];
  } else if (node.op == Op::kLike || node.op == Op::kNotLike) {
    hit = LikeMatch(node.like_pattern, *value);
  } else {
    for (const std::string& candidate : node.values) {
      if (*value == candidate) {
        hit = true;
        break;
      }
    }
  }
  return hit != negated;
}

std::string Filter::ToString() const {
  std::string out;
  if (root_ >= 0) Print(root_, out);
  return out;
}

void Filter::Print(int32_t index, std::string& out) const {
  static constexpr std::array<std::string_view, 9> kOpText = {
      " = ", " != ", " LIKE ", " NOT LIKE ", " IN ", " NOT IN ", " AND ", " OR ", "NOT "};
  const Node& node = nodes_[static_cast<size_t>(index)];
  const std::string_view op = kOpText[static_cast<size_t>(node.op)];
  if (node.op == Op::kAnd || node.op == Op::kOr) {
    out += '(';
    for (size_t i = 0; i < node.children.size(); ++i) {
      if (i > 0) out += op;
      Print(node.children[i], out);
    }
    out += ')';
    return;
  }
  if (node.op == Op::kNot) {
    out += op;
    Print(node.children[0], out);
    return;
  }
  if (node.field == Field::kMetadata) {
    out.append(kMetadataPrefix).append(node.metadata_key);
  } else {
    out += kFieldNames[static_cast<size_t>(node.field)].first;
  }
  out += op;
  const bool list = node.op == Op::kIn || node.op == Op::kNotIn;
  if (list) out += '(';
  for (size_t i = 0; i < node.values.size(); ++i) {
    if (i > 0) out += ", ";
    AppendQuoted(out, node.values[i]);
  }
  if (list) out += ')';
}

}  // namespace panoptes::resources
