// Small events: HEARTBEAT v1/v2, INCIDENT, INTVAR, RAND, USER_VAR,
// ANNOTATE_ROWS, ROWS_QUERY, START_ENCRYPTION.
#include "event_decoding.h"

namespace galaxis::binlog::detail {

HeartbeatEvent decode_heartbeat_v1(ByteReader& body) {
  HeartbeatEvent h;
  h.log_file = body.string(body.remaining(), "log file name");
  return h;
}

HeartbeatEvent decode_heartbeat_v2(ByteReader& body) {
  constexpr uint64_t kLogFilename = 1, kLogPosition = 2;
  HeartbeatEvent h;
  for_each_tlv_field(body, [&](uint64_t type, ByteReader& value) {
    if (type == kLogFilename) h.log_file = value.string(value.remaining(), "log file name");
    if (type == kLogPosition) h.log_position = value.packed_int("log position");
    // Unknown fields are skipped by their length, as the server does.
  });
  return h;
}

IncidentEvent decode_incident(ByteReader& body) {
  IncidentEvent i;
  i.incident = body.u16("incident number");
  if (!body.empty()) {
    const uint8_t length = body.u8("message length");
    i.message = body.string(length, "message");
  }
  return i;
}

IntvarEvent decode_intvar(ByteReader& body) {
  IntvarEvent i;
  i.kind = body.u8("variable type");
  i.value = body.u64("value");
  return i;
}

RandEvent decode_rand(ByteReader& body) {
  RandEvent r;
  r.seed1 = body.u64("seed1");
  r.seed2 = body.u64("seed2");
  return r;
}

// name length 4, name, null flag 1; unless NULL: value type 1, charset 4,
// value length 4, value, then optionally a flags byte (1 = UNSIGNED).
UserVarEvent decode_user_var(ByteReader& body) {
  UserVarEvent u;
  const uint32_t name_length = body.u32("name length");
  u.name = body.string(name_length, "name");
  u.is_null = body.u8("null flag") != 0;
  if (!u.is_null) {
    u.value_type = body.u8("value type");
    u.charset = body.u32("charset");
    const uint32_t value_length = body.u32("value length");
    u.value = body.string(value_length, "value");
    if (!body.empty()) u.is_unsigned = (body.u8("flags") & 0x1) != 0;
  }
  return u;
}

AnnotateRowsEvent decode_annotate_rows(ByteReader& body) {
  AnnotateRowsEvent a;
  a.query = body.string(body.remaining(), "statement");
  return a;
}

// A 1-byte length (the statement truncated to 255, useless), then the
// whole statement up to the end of the body.
RowsQueryEvent decode_rows_query(ByteReader& body) {
  RowsQueryEvent r;
  body.skip(1, "length byte");
  r.query = body.string(body.remaining(), "statement");
  return r;
}

StartEncryptionEvent decode_start_encryption(ByteReader& body) {
  StartEncryptionEvent s;
  s.scheme = body.u8("scheme");
  s.key_version = body.u32("key version");
  body.skip(12, "nonce");
  return s;
}

}  // namespace galaxis::binlog::detail
