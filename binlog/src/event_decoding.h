// binlog/src/event_decoding.h — internal interface between the Decoder
// (decoder.cc) and the per-family event decoders (one .cc per family).
// Not installed.
//
// Every function reads one event body from a ByteReader positioned just
// after the common header, whose span ends before the checksum trailer, and
// whose base offset is the body's absolute offset in its file, so reader
// errors already name the right byte offset. They throw Error(kCorrupt) on
// malformed input (through the reader or explicitly) and never allocate
// from a length that was not checked against the bytes that remain.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "galaxis/binlog/byte_reader.h"
#include "galaxis/binlog/events.h"
#include "row_decoding.h"

namespace galaxis::binlog::detail {

// format_description.cc
// The v4 FORMAT_DESCRIPTION body. `whole_event` is the full event (header,
// body and any trailer) because the checksum algorithm byte sits just
// before the CRC trailer.
FormatDescriptionEvent decode_format_description(std::span<const uint8_t> whole_event, uint64_t offset);
// The legacy START_EVENT_V3 (MySQL 3.23–4.x, binlog v1/v3): binlog version,
// server version, create time; post-header lengths are the fixed v3 ones.
FormatDescriptionEvent decode_start_v3(ByteReader& body);
// The format a stream without any FDE is read with: binlog v4 as MySQL 5.0
// wrote it (19-byte header, 5.0 post-header lengths, no checksums).
FormatDescriptionEvent default_v4_format();
// Checksum algorithm byte present in FDEs of MySQL >= 5.6.1 and MariaDB >= 5.3.
bool server_version_has_checksum_alg(std::string_view server_version);

// query_event.cc — QUERY (type 2). `compressed` is MariaDB QUERY_COMPRESSED:
// the statement text is zlib-compressed (see mariadb_compressed.cc).
QueryEvent decode_query(ByteReader& body, const FormatDescriptionEvent& format, bool compressed);

// rotate_event.cc
RotateEvent decode_rotate(ByteReader& body, const FormatDescriptionEvent& format);

// gtid_events.cc
GtidEvent decode_gtid(ByteReader& body, uint8_t type_code);  // 33, 34
GtidEvent decode_gtid_tagged(ByteReader& body);              // 42
PreviousGtidsEvent decode_previous_gtids(ByteReader& body);
MariaGtidEvent decode_maria_gtid(ByteReader& body);
MariaGtidListEvent decode_maria_gtid_list(ByteReader& body);
MariaBinlogCheckpointEvent decode_maria_binlog_checkpoint(ByteReader& body);

// xid_events.cc
XidEvent decode_xid(ByteReader& body);
XaPrepareEvent decode_xa_prepare(ByteReader& body);

// misc_events.cc
HeartbeatEvent decode_heartbeat_v1(ByteReader& body);
HeartbeatEvent decode_heartbeat_v2(ByteReader& body);
IncidentEvent decode_incident(ByteReader& body);
IntvarEvent decode_intvar(ByteReader& body);
RandEvent decode_rand(ByteReader& body);
UserVarEvent decode_user_var(ByteReader& body);
AnnotateRowsEvent decode_annotate_rows(ByteReader& body);
RowsQueryEvent decode_rows_query(ByteReader& body);
StartEncryptionEvent decode_start_encryption(ByteReader& body);

// payload.cc — the TLV header of TRANSACTION_PAYLOAD; `compressed` views
// the rest of the body.
TransactionPayloadEvent decode_transaction_payload(ByteReader& body);

// mariadb_compressed.cc
// Inflates MariaDB's compressed-record format (1 header byte 0x80|lenlen,
// lenlen bytes big-endian uncompressed length, zlib stream) into `out`.
// `what` names the field for errors; `offset` is where the record starts.
void mariadb_uncompress(std::span<const uint8_t> record, uint64_t offset, std::string_view what,
                        std::vector<uint8_t>& out);
// MariaDB *_ROWS_COMPRESSED (166–171): inflates the row data and decodes the
// plain body as the matching uncompressed type with detail::decode_rows.
RowsEvent decode_maria_compressed_rows(ByteReader& body, uint8_t type_code, const FormatDescriptionEvent& format,
                                       const TableLookup& lookup, bool decode_values);
// The uncompressed twin of a MariaDB compressed rows type (166 -> 23, 169 -> 30, ...).
uint8_t maria_uncompressed_rows_type(uint8_t type_code);

// MySQL's on-the-wire TLV fields (HEARTBEAT_V2, TRANSACTION_PAYLOAD):
// packed-integer type, packed-integer length, `length` value bytes; type 0
// ends the list (and may be the last byte). Calls fn(type, value_reader)
// for each field; the value reader is bounded to the field.
template <typename Fn>
void for_each_tlv_field(ByteReader& in, Fn&& fn) {
  while (!in.empty()) {
    const uint64_t type = in.packed_int("field type");
    if (type == 0) return;
    const uint64_t length = in.packed_int("field length");
    if (length > in.remaining()) in.fail("field value", length);
    const uint64_t at = in.absolute_offset();
    ByteReader value(in.bytes(static_cast<size_t>(length), "field value"), at);
    fn(type, value);
  }
}

// Reads a NUL-padded fixed-width string field (server version).
std::string fixed_string(ByteReader& in, size_t width, std::string_view what);

}  // namespace galaxis::binlog::detail
