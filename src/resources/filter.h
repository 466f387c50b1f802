#pragma once
// The resource filter DSL of docs/resource-filter.md (grammar and semantics: docs/resource-filter.md), e.g.
//   resource_class = "network" AND (resource_metadata.os LIKE 'junos%' OR resource_site IN ("dc1"))
// ParseFilter compiles an expression once (hand-written lexer and recursive-descent parser, LIKE
// patterns precompiled); Filter::Matches then evaluates it without allocating, so the scheduler
// can run one filter over 100k resources cheaply.
// A Filter is an immutable value: copyable, and Matches may be called from any number of threads.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "panoptes/model.h"
#include "panoptes/status.h"

namespace panoptes::resources {

// A resource as a filter reads it, for holders of resources in another form than Resource (the
// scheduler's compact table): its fields, and its metadata through `metadata(context, row, key)`
// (nullopt when the resource has no such key). Views only: valid while what they point at is.
struct ResourceView {
  std::string_view site, class_, subclass, type, id, endpoint, plugin;
  const void* context = nullptr;
  size_t row = 0;
  std::optional<std::string_view> (*metadata)(const void* context, size_t row,
                                              std::string_view key) = nullptr;
};

class Filter {
 public:
  // True when `resource` satisfies the expression. A clause on a metadata key the resource does
  // not have is false for =, LIKE and IN, and true for !=, NOT LIKE and NOT IN.
  bool Matches(const Resource& resource) const;
  // The same for a view of a resource (the same answer as for the Resource it views).
  bool Matches(const ResourceView& resource) const;

  // The expression as written.
  const std::string& expression() const { return expression_; }
  // A fully parenthesised canonical form, e.g. `((resource_site = "dc1") AND (NOT ...))`: shows
  // how the expression was grouped (tests, `panoptes-ctl check`).
  std::string ToString() const;

 private:
  friend class FilterParser;
  enum class Field : uint8_t { kSite, kClass, kSubclass, kType, kId, kEndpoint, kPlugin, kMetadata };
  enum class Op : uint8_t { kEq, kNe, kLike, kNotLike, kIn, kNotIn, kAnd, kOr, kNot };
  struct Node {
    Op op = Op::kEq;
    Field field = Field::kSite;
    std::vector<int32_t> children;    // kAnd, kOr (two or more), kNot (one)
    std::string metadata_key;         // Field::kMetadata
    std::vector<std::string> values;  // as written: one for = != LIKE, one or more for IN
    std::string like_pattern;         // LIKE: values[0] ASCII-lowercased
  };

  template <typename R>
  bool Eval(int32_t index, const R& resource) const;
  void Print(int32_t index, std::string& out) const;

  std::string expression_;
  std::vector<Node> nodes_;
  int32_t root_ = -1;
};

// Compiles `expr`. On a syntax error returns kInvalidArgument with the 1-based column and what was
// expected, e.g. `column 23: expected ')' but found end of input`.
Result<Filter> ParseFilter(std::string_view expr);

// SQL LIKE on bytes: '%' any run (also empty), '_' exactly one UTF-8 character, every other
// character literal; ASCII letters compare case-insensitively. `lowered_pattern` must already be
// ASCII-lowercased. Exposed for tests.
bool LikeMatch(std::string_view lowered_pattern, std::string_view text);

}  // namespace panoptes::resources
