// binlog/src/row_decoding.h — internal interface between the event decoder
// (decoder.cc) and the TABLE_MAP / row / value decoders. Not installed.
//
// All functions read from a ByteReader positioned at the start of the event
// body (after the common header) whose span excludes the checksum trailer,
// and throw Error(kCorrupt) via the reader on malformed input.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string>

#include "galaxis/binlog/byte_reader.h"
#include "galaxis/binlog/events.h"

namespace galaxis::binlog::detail {

// TABLE_MAP_EVENT body (post-header + payload + optional metadata).
std::shared_ptr<TableMap> decode_table_map(ByteReader& body, const FormatDescriptionEvent& format);

using TableLookup = std::function<std::shared_ptr<const TableMap>(uint64_t table_id)>;

// WRITE/UPDATE/DELETE_ROWS v0 (pre-GA), v1, v2, PARTIAL_UPDATE_ROWS and
// MariaDB's *_ROWS_COMPRESSED bodies (the caller has already inflated the
// compressed part and passes the plain body). Throws when the table id is
// unknown. With decode_values false, rows stay empty.
RowsEvent decode_rows(ByteReader& body, uint8_t type_code, const FormatDescriptionEvent& format,
                      const TableLookup& lookup, bool decode_values);

// One column value of the given column (not NULL: the caller checks the null bitmap).
Value decode_value(ByteReader& in, const ColumnInfo& column);

// MySQL binary JSON to compact JSON text.
std::string json_binary_to_text(std::span<const uint8_t> bytes, uint64_t base_offset, bool* lossy = nullptr);

}  // namespace galaxis::binlog::detail
