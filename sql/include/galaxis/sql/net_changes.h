// galaxis/sql/net_changes.h — the net effect of many row changes per key.
//
// For catch-up speed: inside one target transaction, what matters for a
// table is the final state of each key it touched. NetChanges folds row
// changes of complete source transactions into "key -> final row, or gone"
// and emits it as one batched DELETE of every touched key followed by one
// multi-row INSERT of the final rows — a handful of statements instead of
// one per row change (sysbench's UPDATE, UPDATE, DELETE, INSERT of one id
// becomes part of one DELETE and one INSERT for the whole group).
//
// Only for tables where this equals applying the changes one by one
// (eligible()): a PRIMARY KEY of non-character columns (so byte-equal
// literals mean equal keys under any collation), no foreign key in either
// direction (a DELETE would cascade), no unguarded trigger, and row images
// that carry every written column (FULL). Other tables go through
// StatementBatch in order; reordering between the two is safe because
// eligible tables are not linked to any other by FKs or triggers.
//
// Shape of the final rows (issue 15): when the PRIMARY KEY is the table's
// only unique key (and a plain one: not WITHOUT OVERLAPS, which MariaDB
// refuses to combine with ON DUPLICATE KEY UPDATE), the group is emitted as one DELETE of the keys that end
// gone and one multi-row INSERT … ON DUPLICATE KEY UPDATE (every written
// column) of the keys that end present: an existing row is updated in
// place (InnoDB touches only the changed columns and their indexes) instead
// of deleted and inserted again. Equal to the one-by-one result because a
// duplicate can only be on the PRIMARY KEY — the one row the final image
// replaces — and every column is assigned (no DEFAULT, no ON UPDATE, the
// target recomputes generated columns). With another UNIQUE key a final
// row could collide with a row whose own change comes later in the INSERT
// (a swap of unique values): such tables keep DELETE of every touched key +
// INSERT. MariaDB spells the new values VALUES(c); MySQL (where VALUES()
// is deprecated and warns) a row alias.
//
// Bulk execution (set_bulk, MariaDB targets; bulk_upsert.h): for a table
// whose written columns are all bindable the final rows are held encoded and
// emit() hands them out as BulkRows — the same INSERT (… ON DUPLICATE KEY
// UPDATE) with '?' per column, executed once for all rows — instead of
// literal text; where rows must go into a batch as text (emit without a
// BulkRows list, emit_pending) they are written as the same literals.
//
// Transactions: add() collects the changes of the current source
// transaction; commit_transaction() folds them in, abort_transaction() drops
// them. Not thread-safe. Pure (no connection).
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "galaxis/binlog/rows.h"
#include "galaxis/sql/bulk_upsert.h"
#include "galaxis/sql/schema.h"
#include "galaxis/sql/statement_builder.h"

namespace galaxis::sql {

class NetChanges {
 public:
  explicit NetChanges(size_t max_statement_bytes = 1 << 20) : max_statement_bytes_(max_statement_bytes) {}

  static bool eligible(const TableSchema& schema);
  // Hold the rows of bindable tables for bulk execution (see the top).
  void set_bulk(bool on) { bulk_allowed_ = on; }
  // Adds the event's rows to the current transaction; false (nothing added)
  // when the images lack a needed column — the caller applies it directly.
  bool add(const binlog::RowsEvent& event, const TableSchema& schema);
  // The schemas add() saw may be gone (SchemaCache::invalidate()): their
  // column layouts are forgotten when `generation` differs from the last.
  void set_schema_generation(uint64_t generation) {
    if (generation != schema_generation_) layouts_.clear();
    schema_generation_ = generation;
  }
  void commit_transaction();
  void abort_transaction() {
    pending_.clear();
    pending_bytes_ = 0;
  }

  // Emits the current transaction's changes one by one (DELETE of the old
  // key, INSERT of the new row) — for a transaction too big to hold.
  void emit_pending(StatementBatch* batch);
  // Emits the folded state of the committed transactions and forgets it.
  // Returns the rows written by INSERT … ON DUPLICATE KEY UPDATE. With
  // `bulk`, rows of bindable tables go there (to be executed after `batch`,
  // which holds the DELETEs), else into `batch` as text.
  size_t emit(StatementBatch* batch, bool target_mariadb, std::vector<BulkRows>* bulk = nullptr);

  size_t pending_bytes() const { return pending_bytes_; }
  size_t folded_bytes() const { return folded_bytes_; }
  bool empty() const { return pending_.empty() && tables_.empty(); }

 private:
  struct Op {
    const std::string* table = nullptr;  // qualified name: the key of its heads_ entry (kept while ops are pending)
    std::string before_key;              // key literal of the removed row ("" for a write)
    std::string after_key;               // key literal of the written row ("" for a delete)
    std::string row;                     // "(v1,...)" of the written row
  };
  struct TableState {
    std::string key_sql;      // "`id`" or "(`a`,`b`)"
    std::string insert_head;  // INSERT INTO `d`.`t` (`a`,`b`) VALUES
    std::unordered_map<std::string, size_t> index;
    std::vector<std::pair<std::string, std::optional<std::string>>> entries;  // key -> final row or gone
  };

  size_t max_statement_bytes_;
  std::vector<Op> pending_;
  size_t pending_bytes_ = 0;
  std::map<std::string, TableState> tables_;
  struct Head {
    std::string key_sql;
    std::string insert_head;
    bool upsert = false;                   // the PRIMARY KEY is the only unique key
    std::vector<std::string> set_columns;  // quoted non-generated non-key columns (all columns if none)
    bool bulk = false;                     // rows held encoded (bulk_upsert.h)
    std::vector<ColumnSchema> written;     // the non-generated columns, in INSERT order
  };
  // A held row as "(v1,…)" text.
  std::string row_text(const Head& parts, const std::string& row) const;
  bool bulk_allowed_ = false;
  std::map<std::string, Head> heads_;  // table -> its statement parts
  size_t folded_bytes_ = 0;
  // add()'s column mapping of a table map, target schema and image bitmaps,
  // computed once: map_columns() and the written-column scan per event were
  // ~1,000 instructions of every row event (callgrind, bench/RESULTS.md).
  // Holding the map keeps its address from being reused; the schema's is
  // valid within one generation (set_schema_generation).
  struct Layout {
    std::shared_ptr<const binlog::TableMap> table;
    const TableSchema* schema = nullptr;
    std::vector<bool> before_bits, after_bits;
    ColumnMap map;
    bool full = true;             // the after image carries every non-generated column
    std::vector<size_t> written;  // after-image positions of the non-generated columns, in target order
    std::string qualified;        // `db`.`table` (the tables' events interleave: one "last table" missed)
  };
  const Layout& layout(const binlog::RowsEvent& event, const TableSchema& schema);
  std::vector<Layout> layouts_;  // a few (the tables of recent events); cleared when full
  uint64_t schema_generation_ = 0;
};

}  // namespace galaxis::sql
