// galaxis/sql/schema.h — what the applier needs to know about a target table.
//
// Plain values, built by SchemaCache (schema_cache.h) from the target's
// information_schema, or by hand in tests. Columns are in the order of the
// binlog's row images for a table whose DDL has been replayed in order:
// information_schema's ordinal order, then the columns MariaDB keeps but
// information_schema does not show (`hidden`): the implicit row_start and
// row_end of a table WITH SYSTEM VERSIONING that names no period columns,
// then one DB_ROW_HASH_n per long UNIQUE key (a BLOB/TEXT or over-long key
// MariaDB enforces through a hash). Both are in every row image the master
// logs (checked on 10.11 and 11.8 with mariadb-binlog -vv).
//
// Two views of the table's keys: key_kind/key_name/key_columns is the one
// key the applier matches rows on (see schema_cache.h for the choice);
// unique_keys lists every uniqueness constraint (PRIMARY and each UNIQUE
// index), which parallel apply (write_set.h) needs to order writes of the
// same unique value. A hand-built schema that fills only key_* is treated by
// write_set as if unique_keys held that one key.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace galaxis::sql {

// What the server does with a column besides storing a value.
enum class ColumnRole : uint8_t {
  kPlain,
  kRowStart,        // GENERATED ALWAYS AS ROW START (explicit or implicit)
  kRowEnd,          // GENERATED ALWAYS AS ROW END
  kLongUniqueHash,  // MariaDB's DB_ROW_HASH_n
};

// System versioning of a table (MariaDB): by statement time (TIMESTAMP(6)
// row_start/row_end) or by InnoDB transaction id (BIGINT UNSIGNED).
enum class Versioning : uint8_t { kNone, kTimestamp, kTransactionId };

struct ColumnSchema {
  std::string name;
  std::string data_type;    // lower-case information_schema DATA_TYPE: "int", "varchar", "json", ...
  std::string column_type;  // full type: "int(10) unsigned", "enum('a','b')"
  std::string charset;      // CHARACTER_SET_NAME; "" for non-character and binary columns
  std::string collation;    // COLLATION_NAME ("utf8mb4_bin", ...); "" where charset is ""
  bool is_unsigned = false;
  bool nullable = true;
  bool generated = false;  // VIRTUAL/STORED/PERSISTENT: never written
  bool invisible = false;  // written like any other column
  // Not in information_schema (see the top): implicit row_start/row_end and
  // long-unique hashes. Hidden columns are also `generated` (never written
  // by plain DML; the target computes its own hash).
  bool hidden = false;
  ColumnRole role = ColumnRole::kPlain;
  // ON UPDATE CURRENT_TIMESTAMP (EXTRA contains "on update"): an UPDATE
  // always sets it from the after image, so the target's clock never fires.
  bool on_update = false;
  // CHARACTER_OCTET_LENGTH: bytes a CHAR/VARCHAR/TEXT/BLOB value may take
  // (0 for other types or when unknown): the column-layout check.
  uint64_t max_bytes = 0;

  // Bits of an integer type (tinyint 8 ... bigint 64), else 0.
  unsigned integer_bits() const;
  bool is_character() const { return !charset.empty(); }
};

enum class KeyKind { kPrimary, kUniqueNotNull, kNone };

// One uniqueness constraint: the PRIMARY KEY or a UNIQUE index.
struct UniqueKey {
  std::string name;             // "PRIMARY" or the index name
  std::vector<size_t> columns;  // indexes into TableSchema::columns, in key order
  // A key part is an expression (MySQL functional index), or the key is
  // MariaDB's WITHOUT OVERLAPS: uniqueness cannot be decided by comparing
  // the row images' values.
  bool opaque = false;
  // Per entry of `columns`: the indexed prefix (STATISTICS.SUB_PART:
  // characters of a character column, bytes otherwise) of UNIQUE (c(10)),
  // 0 for the whole value. Empty: no prefixes.
  std::vector<uint32_t> prefix_lengths;
};

struct TableSchema {
  std::string database;
  std::string table;
  std::vector<ColumnSchema> columns;
  KeyKind key_kind = KeyKind::kNone;
  std::string key_name;                         // "PRIMARY" or the unique index name
  std::vector<size_t> key_columns;              // indexes into columns, in key order
  std::vector<std::string> unguarded_triggers;  // target triggers that would fire for our writes
  bool has_foreign_keys = false;                // references or is referenced by a foreign key
  // With has_foreign_keys: the lower-case "db.table" that names the table's
  // connected component of foreign-key relations (tables linked by foreign
  // keys, directly or through others, share it; cascades and checks stay
  // inside a component). SchemaCache always fills it; "" (hand-built
  // schemas) is one more group, shared by every table left without a name.
  std::string foreign_key_group;
  std::vector<UniqueKey> unique_keys;  // PRIMARY first, then UNIQUE indexes by name
  std::string engine;                  // information_schema.TABLES.ENGINE ("InnoDB", "MyISAM")
  bool transactional = true;           // the engine supports transactions (ENGINES.TRANSACTIONS)
  Versioning versioning = Versioning::kNone;
  size_t row_start = SIZE_MAX;  // index of the ROW START column when versioned
  size_t row_end = SIZE_MAX;    // index of the ROW END column when versioned

  // Index of a column by name (case-insensitive), or columns.size().
  size_t find_column(const std::string& name) const;
};

}  // namespace galaxis::sql
