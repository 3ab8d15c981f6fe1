#include "galaxis/sql/filter.h"

#include <fnmatch.h>

#include "galaxis/common/error.h"

namespace galaxis::sql {
namespace {

bool glob(const std::string& pattern, const std::string& text) {
  return fnmatch(pattern.c_str(), text.c_str(), 0) == 0;
}

// pattern "db" matches every table of db; "db.table" matches that table.
bool matches(const std::string& pattern, const std::string& database, const std::string& table) {
  size_t dot = pattern.find('.');
  if (dot == std::string::npos) return glob(pattern, database);
  return glob(pattern.substr(0, dot), database) && glob(pattern.substr(dot + 1), table);
}

}  // namespace

std::pair<std::string, std::string> parse_rename(std::string_view spec) {
  size_t colon = spec.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == spec.size() ||
      spec.find(':', colon + 1) != std::string_view::npos) {
    throw_error(Error::Kind::kUsage, "--rename-db expects SOURCE_DB:TARGET_DB, got '{}'", spec);
  }
  return {std::string(spec.substr(0, colon)), std::string(spec.substr(colon + 1))};
}

Filter::Filter(FilterOptions options) : options_(std::move(options)) {}

bool Filter::is_system_schema(std::string_view database) {
  return database == "mysql" || database == "sys" || database == "information_schema" ||
         database == "performance_schema";
}

bool Filter::table_included(const std::string& database, const std::string& table) const {
  if (!options_.include_system_schemas && (is_system_schema(database) || database == options_.checkpoint_schema)) {
    return false;
  }
  for (const std::string& pattern : options_.exclude) {
    if (matches(pattern, database, table)) return false;
  }
  if (options_.include.empty()) return true;
  for (const std::string& pattern : options_.include) {
    if (matches(pattern, database, table)) return true;
  }
  return false;
}

bool Filter::database_included(const std::string& database) const {
  if (!options_.include_system_schemas && (is_system_schema(database) || database == options_.checkpoint_schema)) {
    return false;
  }
  for (const std::string& pattern : options_.exclude) {
    if (pattern.find('.') == std::string::npos && glob(pattern, database)) return false;
  }
  if (options_.include.empty()) return true;
  for (const std::string& pattern : options_.include) {
    size_t dot = pattern.find('.');
    if (glob(dot == std::string::npos ? pattern : pattern.substr(0, dot), database)) return true;
  }
  return false;
}

const std::string& Filter::target_database(const std::string& database) const {
  auto it = options_.rename_db.find(database);
  return it == options_.rename_db.end() ? database : it->second;
}

}  // namespace galaxis::sql
