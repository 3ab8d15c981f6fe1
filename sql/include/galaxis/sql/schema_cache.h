// galaxis/sql/schema_cache.h — target table layouts, loaded on first use.
//
// Reads information_schema.COLUMNS / STATISTICS / TRIGGERS of the target
// (two or three queries per table, once) and keeps the result until
// invalidate(): the applier invalidates everything after every replayed DDL,
// since a DDL can rename, drop or reshape any table.
//
// Key choice follows a native replica: the PRIMARY KEY, else the first (by
// name) UNIQUE index whose columns are all NOT NULL and not functional;
// otherwise KeyKind::kNone (rows are matched on the full before image).
//
// Triggers: a trigger on the target fires for the applier's writes, which
// would apply twice what the binlog already carries. Triggers replayed by
// the applier are guarded (ddl.h: guard_trigger); any other trigger is listed
// in TableSchema::unguarded_triggers so the applier can warn.
//
// Not thread-safe; borrows the Connection, which must outlive the cache.
// Errors: Error(kServer) naming db.table when the table does not exist on
// the target; connection errors pass through.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>

#include "galaxis/sql/connection.h"
#include "galaxis/sql/schema.h"

namespace galaxis::sql {

// The marker guarded triggers test; set to 1 in the applier's session.
inline constexpr const char* kApplyingVariable = "@galaxis_relay_applying";

class SchemaCache {
 public:
  explicit SchemaCache(Connection* connection) : connection_(connection) {}

  // The schema of db.table, loading it on a miss. The reference stays valid
  // until the next invalidate().
  const TableSchema& get(const std::string& database, const std::string& table);
  void invalidate() { tables_.clear(); }
  size_t size() const { return tables_.size(); }

 private:
  TableSchema load(const std::string& database, const std::string& table);

  Connection* connection_;
  std::map<std::pair<std::string, std::string>, std::unique_ptr<TableSchema>> tables_;
};

}  // namespace galaxis::sql
