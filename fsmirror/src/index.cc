// Index (de)serialisation (index.h). Pure: bytes in, bytes out.
#include "galaxis/fsmirror/index.h"

#include <cstring>

#include "galaxis/common/error.h"
#include "galaxis/fsmirror/rel_path.h"

namespace galaxis::fsmirror {
namespace {

constexpr std::string_view kMagic = "GXMIDX1\n";

template <typename T>
void put(std::string& out, T value) {
  static_assert(std::is_integral_v<T>);
  // Little endian, as one append (a byte-wise += was most of serialize_index's cost).
  char bytes[sizeof(T)];
  for (size_t i = 0; i < sizeof(T); ++i) bytes[i] = static_cast<char>((static_cast<uint64_t>(value) >> (8 * i)) & 0xff);
  out.append(bytes, sizeof(T));
}

void put_bytes(std::string& out, std::string_view bytes) { out.append(bytes.data(), bytes.size()); }

class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}
  template <typename T>
  T get() {
    need(sizeof(T));
    uint64_t v = 0;
    for (size_t i = 0; i < sizeof(T); ++i)
      v |= static_cast<uint64_t>(static_cast<uint8_t>(bytes_[pos_ + i])) << (8 * i);
    pos_ += sizeof(T);
    return static_cast<T>(v);
  }
  // A view into the bytes: the caller assigns it into the entry's own
  // string (no temporary string per field).
  std::string_view get_view(size_t n) {
    need(n);
    const std::string_view out = bytes_.substr(pos_, n);
    pos_ += n;
    return out;
  }
  size_t pos() const { return pos_; }
  bool done() const { return pos_ == bytes_.size(); }

 private:
  void need(size_t n) const {
    if (bytes_.size() - pos_ < n) {
      throw_error(Error::Kind::kCorrupt, "index truncated at offset {} (need {} more bytes, file has {})", pos_, n,
                  bytes_.size());
    }
  }
  std::string_view bytes_;
  size_t pos_ = 0;
};

void read_entry_into(Reader& r, Entry& e);

// The bytes append_entry() writes for `e`.
size_t entry_record_size(const Entry& e) {
  return 4 + e.path.size() + 1 + 4 + 8 + 8 + 8 + 4 + 4 + 2 + e.meta.user.size() + 2 + e.meta.group.size() + 4 +
         e.meta.link_target.size() + e.hash.size();
}

}  // namespace

std::string serialize_index(const Index& index) {
  // The exact size first: one allocation, never a regrowth copy of a
  // megabyte-sized string (that was a third of this function's time).
  size_t size = kMagic.size() + 3 * sizeof(uint64_t);
  for (const Entry& e : index.entries) size += entry_record_size(e);
  std::string out;
  out.reserve(size);
  put_bytes(out, kMagic);
  put<uint64_t>(out, index.source_dev);
  put<uint64_t>(out, index.sequence);
  put<uint64_t>(out, index.entries.size());
  for (const Entry& e : index.entries) append_entry(out, e);
  return out;
}

void append_entry(std::string& out, const Entry& e) {
  {
    put<uint32_t>(out, static_cast<uint32_t>(e.path.size()));
    put_bytes(out, e.path);
    put<uint8_t>(out, static_cast<uint8_t>(e.meta.type));
    put<uint32_t>(out, e.meta.mode);
    put<uint64_t>(out, e.meta.size);
    put<int64_t>(out, e.meta.mtime_ns);
    put<uint64_t>(out, e.inode);
    put<uint32_t>(out, e.meta.uid);
    put<uint32_t>(out, e.meta.gid);
    put<uint16_t>(out, static_cast<uint16_t>(e.meta.user.size()));
    put_bytes(out, e.meta.user);
    put<uint16_t>(out, static_cast<uint16_t>(e.meta.group.size()));
    put_bytes(out, e.meta.group);
    put<uint32_t>(out, static_cast<uint32_t>(e.meta.link_target.size()));
    put_bytes(out, e.meta.link_target);
    out.append(reinterpret_cast<const char*>(e.hash.data()), e.hash.size());
  }
}

Index parse_index(std::string_view bytes) {
  if (bytes.substr(0, kMagic.size()) != kMagic) throw_error(Error::Kind::kCorrupt, "index: bad magic");
  Reader r(bytes.substr(kMagic.size()));
  Index index;
  index.source_dev = r.get<uint64_t>();
  index.sequence = r.get<uint64_t>();
  const uint64_t count = r.get<uint64_t>();
  if (count > bytes.size() / 40) throw_error(Error::Kind::kCorrupt, "index: {} entries cannot fit", count);
  index.entries.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    // Parsed in place: a no-change cycle's cost is mostly this loop.
    Entry& e = index.entries.emplace_back();
    read_entry_into(r, e);
    if (i > 0 && !(index.entries[i - 1].path < e.path)) {
      throw_error(Error::Kind::kCorrupt, "index: entries not sorted at '{}'", printable_path(e.path));
    }
  }
  if (!r.done()) throw_error(Error::Kind::kCorrupt, "index: trailing bytes at offset {}", r.pos() + kMagic.size());
  return index;
}

Entry read_entry(std::string_view bytes, size_t* consumed) {
  Reader r(bytes);
  Entry e;
  read_entry_into(r, e);
  if (consumed != nullptr) *consumed = r.pos();
  return e;
}

namespace {
void read_entry_into(Reader& r, Entry& e) {
  const uint32_t path_len = r.get<uint32_t>();
  if (path_len > kMaxPathBytes) throw_error(Error::Kind::kCorrupt, "index: path of {} bytes", path_len);
  e.path.assign(r.get_view(path_len));
  check_rel_path(e.path);
  const uint8_t type = r.get<uint8_t>();
  if (type < 1 || type > 3) throw_error(Error::Kind::kCorrupt, "index: bad node type {}", type);
  e.meta.type = static_cast<NodeType>(type);
  e.meta.mode = r.get<uint32_t>();
  e.meta.size = r.get<uint64_t>();
  e.meta.mtime_ns = r.get<int64_t>();
  e.inode = r.get<uint64_t>();
  e.meta.uid = r.get<uint32_t>();
  e.meta.gid = r.get<uint32_t>();
  e.meta.user.assign(r.get_view(r.get<uint16_t>()));
  e.meta.group.assign(r.get_view(r.get<uint16_t>()));
  const uint32_t target_len = r.get<uint32_t>();
  if (target_len > kMaxPathBytes) throw_error(Error::Kind::kCorrupt, "index: link target of {} bytes", target_len);
  e.meta.link_target.assign(r.get_view(target_len));
  const std::string_view hash = r.get_view(e.hash.size());
  std::memcpy(e.hash.data(), hash.data(), e.hash.size());
}
}  // namespace

}  // namespace galaxis::fsmirror
