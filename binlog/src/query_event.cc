// QUERY (2) and MariaDB QUERY_COMPRESSED (165).
//
// Layout: post-header (thread id 4, exec time 4, db length 1, error code 2,
// status block length 2 — the last only in v4, post-header length >= 13),
// the status variable block, the default database + NUL, then the statement
// (zlib-compressed in QUERY_COMPRESSED) up to the end of the body.
#include <vector>

#include "event_decoding.h"

namespace galaxis::binlog::detail {
namespace {

enum StatusVar : uint8_t {
  kFlags2 = 0,
  kSqlMode = 1,
  kCatalog = 2,
  kAutoIncrement = 3,
  kCharset = 4,
  kTimeZone = 5,
  kCatalogNz = 6,
  kLcTimeNames = 7,
  kCharsetDatabase = 8,
  kTableMapForUpdate = 9,
  kMasterDataWritten = 10,
  kInvoker = 11,
  kUpdatedDbNames = 12,
  kMicroseconds = 13,
  kCommitTs = 14,   // reserved by MySQL, never written with a payload
  kCommitTs2 = 15,  // idem
  kExplicitDefaultsForTimestamp = 16,
  kDdlLoggedWithXid = 17,
  kDefaultCollationForUtf8mb4 = 18,
  kSqlRequirePrimaryKey = 19,
  kDefaultTableEncryption = 20,
  kMariaHrnow = 128,
  kMariaXid = 129,
  kMariaGtidFlags3 = 130,
  kMariaCharacterSetCollations = 131,
};

constexpr uint8_t kOverMaxDbsInEventMts = 254;  // Q_UPDATED_DB_NAMES: "too many to list"
constexpr uint8_t kMariaFlCommitAlter = 4, kMariaFlRollbackAlter = 8;

std::string short_string(ByteReader& in, std::string_view what) {
  const uint8_t n = in.u8(what);
  return in.string(n, what);
}

// Walks the status block. Returns false at the first unknown code (the
// caller then ignores the rest of the block, whose length it knows).
bool parse_status_vars(ByteReader& in, QueryEvent& q) {
  while (!in.empty()) {
    const uint8_t code = in.u8("status variable code");
    switch (code) {
      case kFlags2: q.flags2 = in.u32("Q_FLAGS2"); break;
      case kSqlMode: q.sql_mode = in.u64("Q_SQL_MODE"); break;
      case kCatalog:  // 5.0.0–5.0.3: length, string, NUL
        q.catalog = short_string(in, "Q_CATALOG");
        in.skip(1, "Q_CATALOG terminator");
        break;
      case kAutoIncrement: {
        const uint16_t increment = in.u16("Q_AUTO_INCREMENT");
        const uint16_t offset = in.u16("Q_AUTO_INCREMENT");
        q.auto_increment = std::array<uint16_t, 2>{increment, offset};
        break;
      }
      case kCharset: {
        std::array<uint16_t, 3> c{};
        for (auto& id : c) id = in.u16("Q_CHARSET");
        q.charset = c;
        break;
      }
      case kTimeZone: q.time_zone = short_string(in, "Q_TIME_ZONE"); break;
      case kCatalogNz: q.catalog = short_string(in, "Q_CATALOG_NZ"); break;
      case kLcTimeNames: q.lc_time_names = in.u16("Q_LC_TIME_NAMES"); break;
      case kCharsetDatabase: q.charset_database = in.u16("Q_CHARSET_DATABASE"); break;
      case kTableMapForUpdate: q.table_map_for_update = in.u64("Q_TABLE_MAP_FOR_UPDATE"); break;
      case kMasterDataWritten: in.skip(4, "Q_MASTER_DATA_WRITTEN"); break;
      case kInvoker:
        q.invoker_user = short_string(in, "Q_INVOKER user");
        q.invoker_host = short_string(in, "Q_INVOKER host");
        break;
      case kUpdatedDbNames: {
        const uint8_t count = in.u8("Q_UPDATED_DB_NAMES count");
        if (count == kOverMaxDbsInEventMts) break;
        for (uint8_t i = 0; i < count; ++i) {
          auto rest = in.rest();
          size_t n = 0;
          while (n < rest.size() && rest[n] != 0) ++n;
          q.updated_db_names.push_back(in.string(n, "Q_UPDATED_DB_NAMES name"));
          in.skip(1, "Q_UPDATED_DB_NAMES terminator");
        }
        break;
      }
      case kMicroseconds: q.microseconds = in.u24("Q_MICROSECONDS"); break;
      case kCommitTs:
      case kCommitTs2: break;
      case kExplicitDefaultsForTimestamp: q.explicit_defaults_ts = in.u8("Q_EXPLICIT_DEFAULTS_FOR_TIMESTAMP"); break;
      case kDdlLoggedWithXid: q.ddl_xid = in.u64("Q_DDL_LOGGED_WITH_XID"); break;
      case kDefaultCollationForUtf8mb4:
        q.default_collation_for_utf8mb4 = in.u16("Q_DEFAULT_COLLATION_FOR_UTF8MB4");
        break;
      case kSqlRequirePrimaryKey: q.sql_require_primary_key = in.u8("Q_SQL_REQUIRE_PRIMARY_KEY"); break;
      case kDefaultTableEncryption: q.default_table_encryption = in.u8("Q_DEFAULT_TABLE_ENCRYPTION"); break;
      case kMariaHrnow: q.microseconds = in.u24("Q_HRNOW"); break;
      case kMariaXid: q.xid = in.u64("Q_XID"); break;
      case kMariaGtidFlags3: {
        const uint8_t flags3 = in.u8("Q_GTID_FLAGS3");
        if (flags3 & (kMariaFlCommitAlter | kMariaFlRollbackAlter)) in.skip(8, "Q_GTID_FLAGS3 start-alter seq_no");
        break;
      }
      case kMariaCharacterSetCollations: {
        const uint8_t count = in.u8("Q_CHARACTER_SET_COLLATIONS count");
        in.skip(size_t{count} * 4, "Q_CHARACTER_SET_COLLATIONS");
        break;
      }
      default: return false;
    }
  }
  return true;
}

}  // namespace

QueryEvent decode_query(ByteReader& body, const FormatDescriptionEvent& format, bool compressed) {
  constexpr size_t kMinimalPostHeader = 11;  // v3: no status block
  constexpr size_t kV4PostHeader = 13;
  size_t post_header = compressed ? format.post_header_length(165) : 0;
  if (post_header == 0) post_header = format.post_header_length(2);
  if (post_header == 0) post_header = kV4PostHeader;
  if (post_header < kMinimalPostHeader)
    throw_error(Error::Kind::kCorrupt, "QUERY post-header length {} is below the minimum 11", post_header);

  QueryEvent q;
  q.compressed = compressed;
  q.thread_id = body.u32("thread id");
  q.exec_time = body.u32("exec time");
  const uint8_t db_length = body.u8("database length");
  q.error_code = body.u16("error code");
  size_t status_length = 0;
  if (post_header >= kV4PostHeader) {
    status_length = body.u16("status variables length");
    body.skip(post_header - kV4PostHeader, "post-header");
  } else {
    body.skip(post_header - kMinimalPostHeader, "post-header");
  }
  const uint64_t status_offset = body.absolute_offset();
  ByteReader status(body.bytes(status_length, "status variables"), status_offset);
  q.status_vars_complete = parse_status_vars(status, q);
  q.database = body.string(db_length, "database name");
  body.skip(1, "database name terminator");
  if (compressed) {
    const uint64_t at = body.absolute_offset();
    std::vector<uint8_t> plain;
    mariadb_uncompress(body.rest(), at, "compressed statement", plain);
    q.query.assign(reinterpret_cast<const char*>(plain.data()), plain.size());
  } else {
    q.query = body.string(body.remaining(), "statement");
  }
  return q;
}

}  // namespace galaxis::binlog::detail
