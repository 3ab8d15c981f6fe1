// galaxis/sql/filter.h — which databases and tables are replicated, and
// under which database name they land on the target.
//
// Patterns are "db" or "db.table" with shell wildcards (* ? [..], fnmatch,
// case-sensitive). A table is replicated when
//   - its database is not a system schema (mysql, sys, information_schema,
//     performance_schema, and the checkpoint schema) unless
//     include_system_schemas is set,
//   - no --exclude pattern matches it (a "db" pattern matches all its tables),
//   - --include is empty or some --include pattern matches it.
// Names are compared with the source's names (before renaming).
// Renames map a source database to a target database (--rename-db src:dst).
//
// Immutable after construction; thread-safe. parse_rename() throws
// Error(kUsage) on a malformed "src:dst".
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace galaxis::sql {

struct FilterOptions {
  std::vector<std::string> include;
  std::vector<std::string> exclude;
  std::map<std::string, std::string> rename_db;  // source db -> target db
  bool include_system_schemas = false;
  std::string checkpoint_schema = "galaxis_relay";
};

std::pair<std::string, std::string> parse_rename(std::string_view spec);

class Filter {
 public:
  explicit Filter(FilterOptions options = {});

  bool table_included(const std::string& database, const std::string& table) const;
  // True when any table of the database may be replicated (for statements
  // on the database itself: CREATE/DROP DATABASE, DROP TRIGGER).
  bool database_included(const std::string& database) const;
  // The target database for a source database.
  const std::string& target_database(const std::string& database) const;
  const std::map<std::string, std::string>& renames() const { return options_.rename_db; }

  static bool is_system_schema(std::string_view database);

 private:
  FilterOptions options_;
};

}  // namespace galaxis::sql
