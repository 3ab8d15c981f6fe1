#include "row_decoding.h"

namespace galaxis::binlog::detail {
Value decode_value(ByteReader&, const ColumnInfo&) {
  throw Error(Error::Kind::kUnsupported, "value decoding not yet implemented");
}
}  // namespace galaxis::binlog::detail
