#pragma once
// The resources the scheduler holds, in a compact form: one row of string ids per resource, the
// strings in one arena. Site, class, subclass, type, plugin and metadata keys and values repeat
// across a fleet, so they are kept once (interned); ids and endpoints are stored as they come.
// About 100 bytes a resource where a vector of Resource values takes about 730 (seven strings
// and a std::map), which is what lets a scheduler hold 1M resources in a few hundred MB.
// A row answers what the scheduler asks of a resource: its filter view, its key (the signature's
// input) and its JSON (the task's "resource"), byte for byte as Resource::Key() and
// model::AppendResource give them. A value type; not thread-safe while being filled, and safe to
// read from any number of threads afterwards.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "panoptes/model.h"
#include "panoptes/status.h"
#include "resources/filter.h"

namespace panoptes::scheduler {

class ResourceTable {
 public:
  // A table of `resources`, in their order.
  static ResourceTable From(const std::vector<Resource>& resources);

  // Appends `resource` as the last row. kInvalidArgument when the table would pass its limits
  // (4 GiB of strings, 2^32 strings): the table is unchanged then.
  Status Add(const Resource& resource);
  // Gives back the spare capacity of a table that is complete.
  void ShrinkToFit();
  void Clear();

  size_t size() const { return rows_.size(); }
  bool empty() const { return rows_.empty(); }
  // Bytes allocated (capacities), for figures and tests.
  size_t MemoryBytes() const;

  // REQUIRES for the row functions: row < size().
  // The row as the filter reads it (views into the table).
  resources::ResourceView View(size_t row) const;
  // The row as a Resource value (a copy).
  Resource Get(size_t row) const;
  // Appends Resource::Key() of the row.
  void AppendKey(size_t row, std::string& out) const;
  // Appends model::AppendResource() of the row.
  void AppendJson(size_t row, std::string& out) const;

  // The same rows in the same order (tables filled from the same resources in the same order
  // compare equal).
  bool operator==(const ResourceTable& other) const;

 private:
  struct Row {
    uint32_t site, class_, subclass, type, id, endpoint, plugin;
    uint32_t metadata;  // index of the first (key, value) pair in pairs_; the row's end is the next row's
    double creation_timestamp;
    bool operator==(const Row&) const = default;
  };
  struct Pair {
    uint32_t key, value;
    bool operator==(const Pair&) const = default;
  };

  // The string `id` (REQUIRES: id < offsets_.size() - 1).
  std::string_view Str(uint32_t id) const {
    return std::string_view(arena_.data() + offsets_[id], offsets_[id + 1] - offsets_[id]);
  }
  // The id of `s`, added once (interned).
  uint32_t Intern(std::string_view s);
  // A new id for `s` (not looked up: ids and endpoints are rarely shared).
  uint32_t Store(std::string_view s);
  void GrowIndex();
  // Appends string `id` as a JSON string literal (model::AppendJsonString).
  void AppendJsonString(std::string& out, uint32_t id) const;
  size_t MetadataEnd(size_t row) const;
  static std::optional<std::string_view> MetadataOf(const void* table, size_t row, std::string_view key);

  std::string arena_;                 // every string, back to back
  std::vector<uint32_t> offsets_{0};  // string id -> its start in arena_; one more than the strings
  std::vector<bool> escaped_;         // string id -> its JSON form needs escapes (most do not)
  std::vector<uint32_t> index_;       // open addressing over interned ids + 1 (0: empty)
  size_t interned_ = 0;               // ids in index_
  std::vector<Row> rows_;
  std::vector<Pair> pairs_;  // each row's metadata, sorted by key (as Resource::metadata)
};

}  // namespace panoptes::scheduler
