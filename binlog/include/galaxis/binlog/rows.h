// galaxis/binlog/rows.h — decoded WRITE/UPDATE/DELETE/PARTIAL_UPDATE row events.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "galaxis/binlog/table_map.h"
#include "galaxis/binlog/value.h"

namespace galaxis::binlog {

enum class RowsKind : uint8_t { kWrite, kUpdate, kDelete, kPartialUpdate };

// One row image: a value for every column marked in the event's
// columns-present bitmap, in column order (absent columns are not stored).
// PARTIAL_UPDATE after-images hold JsonDiff for JSON columns sent as diffs.
using RowImage = std::vector<Value>;

struct RowChange {
  RowImage before;  // update, delete (empty for write)
  RowImage after;   // write, update (empty for delete)
};

struct RowsEvent {
  RowsKind kind = RowsKind::kWrite;
  uint64_t table_id = 0;
  uint16_t flags = 0;  // STMT_END_F = 1, NO_FOREIGN_KEY_CHECKS_F = 2, RELAXED_UNIQUE_CHECKS_F = 4, COMPLETE_ROWS_F = 8
  uint32_t column_count = 0;
  std::vector<bool> columns_before;  // present columns of the before image
  std::vector<bool> columns_after;   // present columns of the after image
  std::vector<RowChange> rows;
  // The table map this event was decoded with (shared with the decoder's cache).
  std::shared_ptr<const TableMap> table;

  bool statement_end() const { return flags & 0x1; }
  bool no_foreign_key_checks() const { return flags & 0x2; }
  bool relaxed_unique_checks() const { return flags & 0x4; }
};

}  // namespace galaxis::binlog
