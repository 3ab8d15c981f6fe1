// galaxis/sql/schema_cache.h — target table layouts, loaded on first use.
//
// Reads information_schema.COLUMNS, STATISTICS, TRIGGERS and TABLES (with
// ENGINES): four queries per table, once; plus, once until the next
// invalidate(), every foreign key (REFERENTIAL_CONSTRAINTS: on MariaDB a
// scan of all tables whatever the WHERE, so one query for all tables beats
// one per table). Keeps the result until
// invalidate(): the applier invalidates everything after every replayed DDL,
// since a DDL can rename, drop or reshape any table — and only then: a
// barrier that is no DDL (a MyISAM table, a trigger) keeps the cache, so it
// costs a commit, not a reload (loads() counts the reloads; issue 15).
//
// Key choice follows a native replica: the PRIMARY KEY, else the first (by
// name) UNIQUE index whose columns are all NOT NULL and not functional;
// otherwise KeyKind::kNone (rows are matched on the full before image).
// TableSchema::unique_keys lists every unique key (NON_UNIQUE = 0), with
// functional and prefix parts marked opaque; columns carry COLLATION_NAME;
// engine/transactional come from TABLES.ENGINE and ENGINES.TRANSACTIONS
// (a table whose engine the server does not list counts as
// non-transactional); foreign_key_group names the table's connected
// component of foreign-key relations.
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

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
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
  void invalidate() {
    tables_.clear();
    foreign_key_groups_.reset();
    ++generation_;
  }
  // Changes with every invalidate(): a schema's address plus the generation
  // names it (an address alone may be reused by a schema loaded later).
  uint64_t generation() const { return generation_; }
  size_t size() const { return tables_.size(); }
  // Tables loaded from information_schema since construction (every miss of
  // get(), including misses after invalidate()): what a test can count.
  uint64_t loads() const { return loads_; }

 private:
  TableSchema load(const std::string& database, const std::string& table);
  // Lower-case "db.table" -> its group (see TableSchema::foreign_key_group),
  // for every table on either side of a foreign key the user can see.
  const std::map<std::string, std::string>& foreign_key_groups();

  Connection* connection_;
  // Looked up by views (get() per row event: no key strings built per lookup).
  struct NameLess {
    using is_transparent = void;
    using Names = std::pair<std::string_view, std::string_view>;
    static Names view(const std::pair<std::string, std::string>& p) { return {p.first, p.second}; }
    static Names view(const Names& p) { return p; }
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
      return view(a) < view(b);
    }
  };
  std::map<std::pair<std::string, std::string>, std::unique_ptr<TableSchema>, NameLess> tables_;
  std::optional<std::map<std::string, std::string>> foreign_key_groups_;
  uint64_t loads_ = 0;
  uint64_t generation_ = 0;
};

}  // namespace galaxis::sql
