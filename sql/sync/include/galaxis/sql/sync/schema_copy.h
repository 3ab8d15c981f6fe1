// galaxis/sql/sync/schema_copy.h — which tables take part, and making the
// target's databases and tables match the source's before rows move.
//
// list_source_tables(): the source's base tables that the Filter selects
// (system schemas and the checkpoint schema never), with their sync view
// (table.h) and size estimates. Sequences are skipped with a warning.
//
// prepare_target_table(): creates the database (the source's default
// charset/collation) and the table from SHOW CREATE TABLE of the source
// (database renamed, foreign_key_checks=0 so creation order does not
// matter) when it is missing; when it exists, its columns must equal the
// source's — name, full type and order — or it throws Error(kRuntime)
// naming every differing column. Nothing on the target is changed then.
//
// copy_views_and_triggers(): after the rows, views (SHOW CREATE VIEW) and
// triggers (guarded like the applier's, query_text.h) of the selected
// databases, as far as the source user may read and the target user may
// create them; what cannot be done is logged as a warning naming the
// object and the missing privilege, never silently dropped.
//
// Not thread-safe; borrows the connections.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "galaxis/sql/connection.h"
#include "galaxis/sql/filter.h"
#include "galaxis/sql/sync/table.h"

namespace galaxis::sql::sync {

std::vector<SyncTable> list_source_tables(Connection& source, const Filter& filter);

enum class TargetTableState { kCreated, kExistsEmpty, kExistsWithRows };

// create=false: only checks (a missing table is reported, not created).
// defer_indexes: a created table gets its plain secondary indexes (KEY ...,
// not UNIQUE/FULLTEXT/SPATIAL, and only in tables without foreign keys)
// later, from restore_secondary_indexes(): InnoDB builds an index over
// loaded rows by sorting, much faster than maintaining it row by row.
TargetTableState prepare_target_table(Connection& source, Connection& target, const SyncTable& table, bool create,
                                      bool* missing = nullptr, bool defer_indexes = false);

// The plain "KEY `name` (...)" definitions of a SHOW CREATE TABLE text as
// (name, definition) — none when the table has foreign keys.
std::vector<std::pair<std::string, std::string>> plain_secondary_keys(const std::string& create_table);

// Adds the source's plain secondary indexes that the target table lacks
// (one ALTER TABLE). Safe to repeat: a resumed copy calls it again.
void restore_secondary_indexes(Connection& source, Connection& target, const SyncTable& table);

// Tables of the selected target databases that the source does not have.
std::vector<std::string> extra_target_tables(Connection& target, const std::vector<SyncTable>& tables,
                                             const Filter& filter);

void copy_views_and_triggers(Connection& source, Connection& target, const std::vector<SyncTable>& tables,
                             const Filter& filter);

}  // namespace galaxis::sql::sync
