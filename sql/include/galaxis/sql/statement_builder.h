// galaxis/sql/statement_builder.h — row events to SQL statements.
//
// StatementBatch accumulates ';'-separated statements for one round trip
// (Connection::exec_multi) and remembers, per statement, how many rows it
// must affect so the applier can detect a target that has drifted.
// Consecutive row events of the same table and kind are merged:
//   WRITE   INSERT INTO `d`.`t` (`a`,`b`) VALUES (1,'x'),(2,'y')
//   DELETE  DELETE FROM `d`.`t` WHERE `id` IN (1,2)
//           DELETE FROM `d`.`t` WHERE (`a`,`b`) IN ((1,2),(3,4))
//   UPDATE  UPDATE `d`.`t` SET `b`='y' WHERE `id`=1        (one per row)
// A table without a usable key (or an image lacking key columns) is matched
// on every present, non-generated column of the before image with the
// null-safe <=> (binary collation for character columns), one row at a time
// with LIMIT 1. UPDATE sets only the after-image columns whose value
// differs from the before image (all of them when the before image lacks
// the column, as with MINIMAL images), plus every ON UPDATE column the after
// image holds (so the target's ON UPDATE CURRENT_TIMESTAMP never fires: the
// value is the master's); an UPDATE that changes nothing is dropped.
// Generated columns are never written; invisible columns are.
// Hidden long-unique hashes (schema.h) are skipped: the target computes its
// own. Tables WITH SYSTEM VERSIONING keep the master's row_start/row_end and
// history rows: see sql/src/system_versioning.h.
//
// Pure: no connection, byte-exact output (unit-tested). Not thread-safe.
// Errors: Error(kUnsupported) when the event does not fit the target table
// (column count/name mismatch), Error(kCorrupt) when an image's value count
// does not match its bitmap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "galaxis/binlog/rows.h"
#include "galaxis/sql/schema.h"

namespace galaxis::sql {

// Which target column each value of an image belongs to.
struct ColumnMap {
  std::vector<size_t> before;  // image position -> target column index
  std::vector<size_t> after;
};

// Maps by column name when the table map carries names (binlog_row_metadata
// FULL), else by ordinal position (then the column counts must agree, hidden
// columns included; their types are checked). In column_map.cc.
ColumnMap map_columns(const binlog::RowsEvent& event, const TableSchema& schema);

class StatementBatch {
 public:
  explicit StatementBatch(size_t max_statement_bytes = 1 << 20) : max_statement_bytes_(max_statement_bytes) {}

  // Where the statements added from now on come from (for error messages):
  // the source event's offset and the applier's ordinal of its source
  // transaction; {0, 0} = not from a row event (SET, checkpoint, folded rows).
  struct Origin {
    uint64_t offset = 0;
    uint64_t transaction = 0;
    // Warnings the statement leaves by design: one Note/Warning 1265 per
    // ENUM error value '' (index 0) it writes — the server warns, and stores
    // exactly what the master has.
    uint32_t expected_warnings = 0;
  };
  void set_origin(Origin origin) { origin_ = origin; }
  Origin origin(size_t statement) const { return statement < origins_.size() ? origins_[statement] : Origin{}; }

  // Appends a complete statement. expected_rows < 0: not checked.
  void add_statement(std::string_view sql, int64_t expected_rows = -1);
  // Appends the statements for every row of `event`, applied to `schema`.
  // Returns the number of rows added.
  size_t add_rows(const binlog::RowsEvent& event, const TableSchema& schema);
  // Finishes a multi-row statement still open for more rows.
  void close_open();

  bool empty() const { return sql_.empty(); }
  size_t bytes() const { return sql_.size(); }
  size_t statements() const { return expected_.size(); }
  // The batch text (closes any open statement first).
  const std::string& sql();
  const std::vector<int64_t>& expected() const { return expected_; }
  // Statement i as text (for messages), truncated.
  std::string statement_text(size_t index) const;
  // The batch text before statement i (without its separator); the whole
  // batch when i is past the end. Closes no open statement: call sql() first.
  std::string_view text_before(size_t index) const {
    if (index >= starts_.size()) return sql_;
    return std::string_view(sql_).substr(0, starts_[index] == 0 ? 0 : starts_[index] - 1);
  }
  // Statement i, untruncated.
  std::string_view full_statement(size_t index) const {
    if (index >= starts_.size()) return {};
    size_t end = index + 1 < starts_.size() ? starts_[index + 1] - 1 : sql_.size();
    return std::string_view(sql_).substr(starts_[index], end - starts_[index]);
  }
  void clear();

  enum class Open { kNone, kInsert, kDeleteSingle, kDeleteTuple };
  // A point in the batch to return to: undoes a source transaction that has
  // not been sent yet (its rows may have joined a multi-row statement that
  // an earlier transaction opened).
  struct Mark {
    size_t bytes = 0;
    size_t statements = 0;
    Open open = Open::kNone;
    const TableSchema* open_table = nullptr;
    std::vector<size_t> open_signature;
    int64_t open_rows = 0;
  };
  Mark mark() const;
  void rollback_to(const Mark& mark);
  // Inserts a statement at `mark`, which must be a statement boundary
  // (taken with no statement open), e.g. a SAVEPOINT before a transaction.
  void insert_at(const Mark& mark, std::string_view sql);
  // Inserts all statements of `other` at `mark` (a statement boundary);
  // returns the boundary right after them.
  Mark insert_batch_at(const Mark& mark, StatementBatch& other);

 private:
  void start_statement();
  void begin_open(Open kind, const TableSchema& schema, std::vector<size_t> signature, std::string head);
  bool can_extend(Open kind, const TableSchema& schema, const std::vector<size_t>& signature) const;
  // System versioning (sql/src/system_versioning.h): whether a Write_rows row
  // is a history row the target already wrote; for an Update_rows row, true
  // when it was applied whole (a DELETE on the master), else the UPDATE's
  // SET STATEMENT prefix and the history row it makes the target write.
  // A versioned table's Delete_rows (the master ran DELETE HISTORY).
  size_t add_history_deletes(const binlog::RowsEvent& event, const ColumnMap& map, const TableSchema& schema);
  bool skip_history_row(const binlog::RowImage& after, const std::vector<size_t>& map, const TableSchema& schema);
  bool versioned_update(const binlog::RowChange& change, const ColumnMap& map, const TableSchema& schema,
                        std::string* prefix, std::string* expected_history);

  size_t max_statement_bytes_;
  std::string sql_;
  std::vector<int64_t> expected_;
  std::vector<size_t> starts_;   // byte offset of each statement
  std::vector<Origin> origins_;  // per statement
  Origin origin_;
  Open open_ = Open::kNone;
  const TableSchema* open_table_ = nullptr;
  std::vector<size_t> open_signature_;
  int64_t open_rows_ = 0;
  // History rows of system-versioned tables that the target writes itself
  // (system_versioning.h); kept across clear(): a batch may be sent between
  // an UPDATE and the master's history row for it.
  std::deque<std::string> expected_history_;
};

}  // namespace galaxis::sql
