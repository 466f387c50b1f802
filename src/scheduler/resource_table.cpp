#include "scheduler/resource_table.h"

#include <limits>

#include "model/json.h"
#include "scheduler/entry.h"

namespace panoptes::scheduler {
namespace {

constexpr size_t kMaxArena = std::numeric_limits<uint32_t>::max();
constexpr size_t kMaxStrings = std::numeric_limits<uint32_t>::max() - 1;

bool NeedsEscapes(std::string_view s) {
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || c == '"' || c == '\\') return true;
  }
  return false;
}

// The seven naming fields of a row, into a Resource (strings) or a ResourceView (views).
template <class Row, class Out, class StrOf>
void CopyNames(const Row& r, Out& out, StrOf str) {
  out.site = str(r.site);
  out.class_ = str(r.class_);
  out.subclass = str(r.subclass);
  out.type = str(r.type);
  out.id = str(r.id);
  out.endpoint = str(r.endpoint);
  out.plugin = str(r.plugin);
}

}  // namespace

ResourceTable ResourceTable::From(const std::vector<Resource>& resources) {
  ResourceTable table;
  table.rows_.reserve(resources.size());
  for (const Resource& r : resources) {
    // A vector that fits in memory as Resource values fits in the table's limits.
    Status st = table.Add(r);
    (void)st;
  }
  return table;
}

uint32_t ResourceTable::Store(std::string_view s) {
  arena_.append(s);
  escaped_.push_back(NeedsEscapes(s));
  offsets_.push_back(static_cast<uint32_t>(arena_.size()));
  return static_cast<uint32_t>(offsets_.size() - 2);
}

void ResourceTable::GrowIndex() {
  std::vector<uint32_t> index(index_.empty() ? 1024 : index_.size() * 2, 0);
  const size_t mask = index.size() - 1;
  for (uint32_t slot : index_) {
    if (slot == 0) continue;
    size_t i = ValueHash(Str(slot - 1)) & mask;
    while (index[i] != 0) i = (i + 1) & mask;
    index[i] = slot;
  }
  index_ = std::move(index);
}

uint32_t ResourceTable::Intern(std::string_view s) {
  if ((interned_ + 1) * 2 > index_.size()) GrowIndex();  // at most half full: short probes
  const size_t mask = index_.size() - 1;
  for (size_t i = ValueHash(s) & mask;; i = (i + 1) & mask) {
    if (index_[i] == 0) {
      uint32_t id = Store(s);
      index_[i] = id + 1;
      ++interned_;
      return id;
    }
    if (Str(index_[i] - 1) == s) return index_[i] - 1;
  }
}

Status ResourceTable::Add(const Resource& r) {
  size_t bytes = r.site.size() + r.class_.size() + r.subclass.size() + r.type.size() + r.id.size() +
                 r.endpoint.size() + r.plugin.size();
  for (const auto& [k, v] : r.metadata) bytes += k.size() + v.size();
  if (arena_.size() + bytes > kMaxArena || offsets_.size() + 7 + 2 * r.metadata.size() > kMaxStrings) {
    return Status::InvalidArgument("resource table: more than 4 GiB of resource strings");
  }
  Row row{};
  row.site = Intern(r.site);
  row.class_ = Intern(r.class_);
  row.subclass = Intern(r.subclass);
  row.type = Intern(r.type);
  row.id = Store(r.id);
  row.endpoint = Store(r.endpoint);
  row.plugin = Intern(r.plugin);
  row.metadata = static_cast<uint32_t>(pairs_.size());
  row.creation_timestamp = r.creation_timestamp;
  for (const auto& [k, v] : r.metadata) pairs_.push_back({Intern(k), Intern(v)});
  rows_.push_back(row);
  return Status::Ok();
}

void ResourceTable::ShrinkToFit() {
  arena_.shrink_to_fit();
  offsets_.shrink_to_fit();
  escaped_.shrink_to_fit();
  rows_.shrink_to_fit();
  pairs_.shrink_to_fit();
}

void ResourceTable::Clear() {
  *this = ResourceTable();
}

size_t ResourceTable::MemoryBytes() const {
  return arena_.capacity() + offsets_.capacity() * sizeof(uint32_t) + escaped_.capacity() / 8 +
         index_.capacity() * sizeof(uint32_t) + rows_.capacity() * sizeof(Row) +
         pairs_.capacity() * sizeof(Pair);
}

size_t ResourceTable::MetadataEnd(size_t row) const {
  return row + 1 < rows_.size() ? rows_[row + 1].metadata : pairs_.size();
}

std::optional<std::string_view> ResourceTable::MetadataOf(const void* table, size_t row,
                                                          std::string_view key) {
  const auto& t = *static_cast<const ResourceTable*>(table);
  for (size_t i = t.rows_[row].metadata, end = t.MetadataEnd(row); i < end; ++i) {
    if (t.Str(t.pairs_[i].key) == key) return t.Str(t.pairs_[i].value);
  }
  return std::nullopt;
}

resources::ResourceView ResourceTable::View(size_t row) const {
  const Row& r = rows_[row];
  resources::ResourceView v;
  CopyNames(r, v, [this](uint32_t id) { return Str(id); });
  v.context = this;
  v.row = row;
  v.metadata = &ResourceTable::MetadataOf;
  return v;
}

Resource ResourceTable::Get(size_t row) const {
  const Row& r = rows_[row];
  Resource out;
  CopyNames(r, out, [this](uint32_t id) { return Str(id); });
  out.creation_timestamp = r.creation_timestamp;
  for (size_t i = r.metadata, end = MetadataEnd(row); i < end; ++i) {
    out.metadata.emplace_hint(out.metadata.end(), Str(pairs_[i].key), Str(pairs_[i].value));
  }
  return out;
}

void ResourceTable::AppendKey(size_t row, std::string& out) const {
  const Row& r = rows_[row];
  out.append("plugin|").append(Str(r.plugin));
  out.append("|site|").append(Str(r.site));
  out.append("|class|").append(Str(r.class_));
  out.append("|subclass|").append(Str(r.subclass));
  out.append("|type|").append(Str(r.type));
  out.append("|id|").append(Str(r.id));
  out.append("|endpoint|").append(Str(r.endpoint));
}

void ResourceTable::AppendJsonString(std::string& out, uint32_t id) const {
  if (escaped_[id]) {
    model::AppendJsonString(out, Str(id));
    return;
  }
  out += '"';
  out += Str(id);
  out += '"';
}

void ResourceTable::AppendJson(size_t row, std::string& out) const {
  const Row& r = rows_[row];
  out += "{\"resource_site\":";
  AppendJsonString(out, r.site);
  out += ",\"resource_class\":";
  AppendJsonString(out, r.class_);
  out += ",\"resource_subclass\":";
  AppendJsonString(out, r.subclass);
  out += ",\"resource_type\":";
  AppendJsonString(out, r.type);
  out += ",\"resource_id\":";
  AppendJsonString(out, r.id);
  out += ",\"resource_endpoint\":";
  AppendJsonString(out, r.endpoint);
  if (Str(r.plugin).empty()) {  // as model::AppendResource: None in Python
    out += ",\"resource_plugin\":null";
  } else {
    out += ",\"resource_plugin\":";
    AppendJsonString(out, r.plugin);
  }
  out += ",\"resource_creation_timestamp\":";
  model::AppendJsonDouble(out, r.creation_timestamp);
  out += ",\"resource_metadata\":{";
  for (size_t i = r.metadata, end = MetadataEnd(row); i < end; ++i) {
    if (i > r.metadata) out += ',';
    AppendJsonString(out, pairs_[i].key);
    out += ':';
    AppendJsonString(out, pairs_[i].value);
  }
  out += "}}";
}

bool ResourceTable::operator==(const ResourceTable& other) const {
  return rows_ == other.rows_ && pairs_ == other.pairs_ && offsets_ == other.offsets_ &&
         arena_ == other.arena_;
}

}  // namespace panoptes::scheduler
