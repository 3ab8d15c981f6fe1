#include "row_decoding.h"

namespace galaxis::binlog {

unsigned ColumnInfo::width_bits() const { return 0; }
unsigned ColumnInfo::fsp() const { return 0; }

namespace detail {
std::shared_ptr<TableMap> decode_table_map(ByteReader&, const FormatDescriptionEvent&) {
  throw Error(Error::Kind::kUnsupported, "TABLE_MAP decoding not yet implemented");
}
}  // namespace detail
}  // namespace galaxis::binlog
