#pragma once
// Output of the panoptes-ctl subcommands: aligned tables for people, JSON for scripts (--json:
// one JSON document, or one JSON object per line for listings; field names in docs/operations.md).
// Text from files, Redis or plugins is shown with its non-printable bytes escaped.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace panoptes::ctl {

// Columns padded to their widest cell; the last column is not padded.
class Table {
 public:
  explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}
  void Add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  bool empty() const { return rows_.empty(); }
  // Prints the header and the rows to stdout (nothing when there are no rows and `quiet_empty`).
  void Print(bool quiet_empty = false) const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

// One JSON value on one line of stdout. Invalid UTF-8 is replaced, never an exception.
void PrintJson(const nlohmann::json& value);

// "12.3s", "4m05s", "2h13m", "3d04h": a duration for people; "-" when negative.
std::string HumanAge(double seconds);

}  // namespace panoptes::ctl
