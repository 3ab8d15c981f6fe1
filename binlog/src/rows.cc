#include "row_decoding.h"

namespace galaxis::binlog::detail {
RowsEvent decode_rows(ByteReader&, uint8_t, const FormatDescriptionEvent&, const TableLookup&, bool) {
  throw Error(Error::Kind::kUnsupported, "rows decoding not yet implemented");
}
}  // namespace galaxis::binlog::detail
