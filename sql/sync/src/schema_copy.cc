#include "galaxis/sql/sync/schema_copy.h"

#include <set>

#include "galaxis/common/log.h"
#include "galaxis/sql/query_text.h"
#include "galaxis/sql/schema_cache.h"

namespace galaxis::sql::sync {
namespace {

struct ColumnLayout {
  std::string name;
  std::string type;
};

std::vector<ColumnLayout> column_layout(Connection& connection, const std::string& db, const std::string& table) {
  Rows rows = connection.query(
      "SELECT COLUMN_NAME, COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = " + connection.quote(db) +
      " AND TABLE_NAME = " + connection.quote(table) + " ORDER BY ORDINAL_POSITION");
  std::vector<ColumnLayout> out;
  for (const Row& row : rows) out.push_back({row[0].value_or(""), row[1].value_or("")});
  return out;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// MySQL 8 dropped display widths (int vs int(11)); MariaDB keeps them.
std::string normalized_type(const std::string& type) {
  std::string t = lower(type);
  for (const char* name : {"tinyint", "smallint", "mediumint", "int", "bigint"}) {
    const std::string prefix = std::string(name) + "(";
    if (t.rfind(prefix, 0) == 0) {
      size_t close = t.find(')');
      if (close != std::string::npos) t = name + t.substr(close + 1);
      break;
    }
  }
  return t;
}

std::string layout_differences(const std::vector<ColumnLayout>& source, const std::vector<ColumnLayout>& target) {
  std::vector<std::string> problems;
  std::map<std::string, size_t> target_index;
  for (size_t i = 0; i < target.size(); ++i) target_index[lower(target[i].name)] = i;
  std::set<std::string> seen;
  for (size_t i = 0; i < source.size(); ++i) {
    const std::string key = lower(source[i].name);
    seen.insert(key);
    auto it = target_index.find(key);
    if (it == target_index.end()) {
      problems.push_back(fmt::format("column `{}` ({}) is missing on the target", source[i].name, source[i].type));
      continue;
    }
    const ColumnLayout& other = target[it->second];
    if (normalized_type(other.type) != normalized_type(source[i].type)) {
      problems.push_back(fmt::format("column `{}` is {} on the source but {} on the target", source[i].name,
                                     source[i].type, other.type));
    } else if (it->second != i) {
      problems.push_back(fmt::format("column `{}` is at position {} on the source but {} on the target", source[i].name,
                                     i + 1, it->second + 1));
    }
  }
  for (const ColumnLayout& column : target) {
    if (!seen.count(lower(column.name))) {
      problems.push_back(fmt::format("column `{}` ({}) exists only on the target", column.name, column.type));
    }
  }
  std::string out;
  for (const std::string& p : problems) out += (out.empty() ? "" : "; ") + p;
  return out;
}

void ensure_database(Connection& source, Connection& target, const std::string& source_db,
                     const std::string& target_db) {
  Rows rows = source.query(
      "SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME "
      "= " +
      source.quote(source_db));
  std::string sql = "CREATE DATABASE IF NOT EXISTS " + quote_identifier(target_db);
  if (!rows.empty() && rows[0][0] && rows[0][1]) {
    sql += " DEFAULT CHARACTER SET " + *rows[0][0] + " COLLATE " + *rows[0][1];
  }
  target.exec(sql);
}

}  // namespace

// An FK needs its index to exist while rows arrive: tables with foreign keys
// keep all their indexes.
std::vector<std::pair<std::string, std::string>> plain_secondary_keys(const std::string& create) {
  std::vector<std::pair<std::string, std::string>> keys;
  size_t start = 0;
  while (start < create.size()) {
    size_t end = create.find('\n', start);
    if (end == std::string::npos) end = create.size();
    std::string line = create.substr(start, end - start);
    start = end + 1;
    size_t first = line.find_first_not_of(' ');
    if (first == std::string::npos) continue;
    line = line.substr(first);
    if (line.rfind("CONSTRAINT ", 0) == 0 || line.rfind("FOREIGN KEY", 0) == 0) return {};
    if (line.rfind("KEY `", 0) != 0) continue;
    if (!line.empty() && line.back() == ',') line.pop_back();
    // The name: backquoted, `` is an escaped backquote.
    std::string name;
    size_t i = 5;
    for (; i < line.size(); ++i) {
      if (line[i] == '`') {
        if (i + 1 < line.size() && line[i + 1] == '`') {
          name += '`';
          ++i;
          continue;
        }
        break;
      }
      name += line[i];
    }
    keys.emplace_back(name, line);
  }
  return keys;
}

namespace {

std::string show_create(Connection& source, const SyncTable& table) {
  Rows show = source.query("SHOW CREATE TABLE " + table.source_name());
  if (show.empty() || show[0].size() < 2 || !show[0][1]) {
    throw_error(Error::Kind::kServer, "SHOW CREATE TABLE {} returned nothing", table.source_name());
  }
  return *show[0][1];
}

}  // namespace

void restore_secondary_indexes(Connection& source, Connection& target, const SyncTable& table) {
  with_context("adding the secondary indexes of " + table.target_name(), [&] {
    auto keys = plain_secondary_keys(show_create(source, table));
    if (keys.empty()) return;
    Rows existing =
        target.query("SELECT DISTINCT INDEX_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = " +
                     target.quote(table.target_database) + " AND TABLE_NAME = " + target.quote(table.table));
    std::set<std::string> have;
    for (const Row& row : existing) have.insert(row[0].value_or(""));
    std::string alter;
    for (const auto& [name, definition] : keys) {
      if (have.count(name)) continue;
      alter += (alter.empty() ? "ALTER TABLE " + table.target_name() + " ADD " : ", ADD ") + definition;
    }
    if (!alter.empty()) target.exec(alter);
  });
}

std::vector<SyncTable> list_source_tables(Connection& source, const Filter& filter) {
  return with_context("listing the source's tables", [&] {
    Rows rows = source.query(
        "SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE, COALESCE(TABLE_ROWS, 0), COALESCE(AVG_ROW_LENGTH, 0), "
        "COALESCE(ENGINE, '') "
        "FROM information_schema.TABLES WHERE TABLE_TYPE IN ('BASE TABLE', 'SEQUENCE', 'SYSTEM VERSIONED') "
        "ORDER BY TABLE_SCHEMA, TABLE_NAME");
    SchemaCache cache(&source);
    std::vector<SyncTable> tables;
    for (const Row& row : rows) {
      const std::string db = row[0].value_or("");
      const std::string name = row[1].value_or("");
      if (Filter::is_system_schema(db) || !filter.table_included(db, name)) continue;
      if (row[2].value_or("") == "SEQUENCE") {
        log::warn("sync: skipping sequence {} (sequences are not copied)", qualified_name(db, name));
        continue;
      }
      if (row[2].value_or("") == "SYSTEM VERSIONED") {
        // A copy of the current rows would lose the history rows and the
        // master's row_start/row_end: a silent divergence. Stop instead.
        throw_error(Error::Kind::kUnsupported,
                    "{} is system-versioned: sync cannot copy its history rows and row_start/row_end times; "
                    "leave it out (--exclude {}.{}) and copy it with mariadb-dump, or let `run` stream it from "
                    "the master's binlog",
                    qualified_name(db, name), db, name);
      }
      const std::string engine = row[5].value_or("");
      if (engine != "InnoDB" && engine != "ROCKSDB") {
        // The consistent snapshot covers transactional engines only.
        log::warn(
            "sync: {} uses the {} engine, which a consistent snapshot does not cover: rows written during the "
            "sync may be copied or missed",
            qualified_name(db, name), engine);
      }
      SyncTable table = make_sync_table(cache.get(db, name), filter.target_database(db));
      table.estimated_rows = std::stoull(row[3].value_or("0"));
      table.average_row_bytes = std::stoull(row[4].value_or("0"));
      tables.push_back(std::move(table));
    }
    return tables;
  });
}

TargetTableState prepare_target_table(Connection& source, Connection& target, const SyncTable& table, bool create,
                                      bool* missing, bool defer_indexes) {
  return with_context("preparing target table " + table.target_name(), [&] {
    if (missing) *missing = false;
    std::vector<ColumnLayout> target_columns = column_layout(target, table.target_database, table.table);
    if (target_columns.empty()) {
      if (missing) *missing = true;
      if (!create) return TargetTableState::kExistsEmpty;
      std::string ddl = show_create(source, table);
      std::string drop_keys;
      if (defer_indexes) {
        for (const auto& [name, definition] : plain_secondary_keys(ddl)) {
          drop_keys += (drop_keys.empty() ? "; ALTER TABLE " + table.target_name() + " DROP KEY " : ", DROP KEY ") +
                       quote_identifier(name);
        }
      }
      if (table.target_database != table.database) ddl = rename_database(ddl, table.database, table.target_database);
      ensure_database(source, target, table.database, table.target_database);
      target.exec("SET @galaxis_saved_fk = @@foreign_key_checks, foreign_key_checks = 0; USE " +
                  quote_identifier(table.target_database) + "; " + ddl + drop_keys +
                  "; SET foreign_key_checks = @galaxis_saved_fk");
      return TargetTableState::kCreated;
    }
    std::vector<ColumnLayout> source_columns = column_layout(source, table.database, table.table);
    std::string problems = layout_differences(source_columns, target_columns);
    if (!problems.empty()) {
      throw_error(Error::Kind::kRuntime, "the target table differs from the source table {}: {}", table.source_name(),
                  problems);
    }
    auto any = target.query_value("SELECT 1 FROM " + table.target_name() + " LIMIT 1");
    return any ? TargetTableState::kExistsWithRows : TargetTableState::kExistsEmpty;
  });
}

std::vector<std::string> extra_target_tables(Connection& target, const std::vector<SyncTable>& tables,
                                             const Filter& filter) {
  std::set<std::string> databases;
  std::set<std::pair<std::string, std::string>> known;
  for (const SyncTable& t : tables) {
    databases.insert(t.target_database);
    known.insert({t.target_database, t.table});
  }
  std::vector<std::string> extra;
  for (const std::string& db : databases) {
    Rows rows = target.query(
        "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_TYPE = 'BASE TABLE' AND TABLE_SCHEMA = " +
        target.quote(db));
    for (const Row& row : rows) {
      const std::string name = row[0].value_or("");
      if (known.count({db, name})) continue;
      // Only tables the filter would select (by their source name) are ours to report.
      std::string source_db = db;
      for (const auto& [from, to] : filter.renames()) {
        if (to == db) source_db = from;
      }
      if (!filter.table_included(source_db, name)) continue;
      extra.push_back(qualified_name(db, name));
    }
  }
  return extra;
}

void copy_views_and_triggers(Connection& source, Connection& target, const std::vector<SyncTable>& tables,
                             const Filter& filter) {
  std::set<std::string> databases;
  std::map<std::string, std::string> target_db;
  for (const SyncTable& t : tables) {
    databases.insert(t.database);
    target_db[t.database] = t.target_database;
  }
  auto rename = [&](std::string ddl, const std::string& db) {
    const std::string& to = target_db[db];
    return to == db ? ddl : rename_database(ddl, db, to);
  };
  // Views may use each other: retry the failures while some succeed.
  std::vector<std::pair<std::string, std::string>> views;
  for (const std::string& db : databases) {
    Rows rows =
        source.query("SELECT TABLE_NAME FROM information_schema.VIEWS WHERE TABLE_SCHEMA = " + source.quote(db));
    for (const Row& row : rows) {
      if (filter.table_included(db, row[0].value_or(""))) views.push_back({db, row[0].value_or("")});
    }
  }
  std::map<std::pair<std::string, std::string>, std::string> failures;
  for (size_t pass = 0; pass < 4 && !views.empty(); ++pass) {
    std::vector<std::pair<std::string, std::string>> retry;
    for (const auto& [db, name] : views) {
      try {
        Rows show = source.query("SHOW CREATE VIEW " + qualified_name(db, name));
        std::string ddl = strip_definer(show.at(0).at(1).value_or(""));
        // CREATE ... VIEW `v` AS ...: make it replace an existing one.
        const size_t create = ddl.find("CREATE ");
        if (create == 0) ddl = "CREATE OR REPLACE " + ddl.substr(7);
        target.exec("USE " + quote_identifier(target_db[db]) + "; " + rename(ddl, db));
        failures.erase({db, name});
      } catch (const Error& e) {
        failures[{db, name}] = e.what();
        retry.push_back({db, name});
      }
    }
    if (retry.size() == views.size()) break;
    views = std::move(retry);
  }
  for (const auto& [view, why] : failures) {
    log::warn("sync: view {} not copied: {}", qualified_name(view.first, view.second), why);
  }
  // Stored procedures and functions: the source user needs SELECT on
  // mysql.proc (MariaDB) / SHOW_ROUTINE (MySQL) to read the body, the target
  // user CREATE ROUTINE; an existing routine is left as it is.
  for (const std::string& db : databases) {
    for (const char* kind : {"PROCEDURE", "FUNCTION"}) {
      Rows routines;
      try {
        routines = source.query(std::string("SHOW ") + kind + " STATUS WHERE Db = " + source.quote(db));
      } catch (const Error& e) {
        log::warn("sync: cannot list the {} routines of {} on the source: {}", kind, db, e.what());
        continue;
      }
      for (const Row& row : routines) {
        const std::string name = row.size() > 1 ? row[1].value_or("") : "";
        try {
          Rows show = source.query(std::string("SHOW CREATE ") + kind + " " + qualified_name(db, name));
          if (show.empty() || show[0].size() < 3 || !show[0][2]) {
            log::warn(
                "sync: {} {} not copied: the source user may not read its body (MariaDB: SELECT on "
                "mysql.proc; MySQL: SHOW_ROUTINE)",
                kind, qualified_name(db, name));
            continue;
          }
          target.exec("USE " + quote_identifier(target_db[db]) + "; " + rename(strip_definer(*show[0][2]), db));
        } catch (const Error& e) {
          if (e.server_errno() == 1304) continue;  // ER_SP_ALREADY_EXISTS
          log::warn("sync: {} {} not copied (the target user needs CREATE ROUTINE): {}", kind, qualified_name(db, name),
                    e.what());
        }
      }
    }
  }
  for (const std::string& db : databases) {
    Rows triggers;
    try {
      triggers = source.query("SHOW TRIGGERS FROM " + quote_identifier(db));
    } catch (const Error& e) {
      log::warn("sync: cannot list triggers of {} on the source (needs the TRIGGER privilege): {}", db, e.what());
      continue;
    }
    for (const Row& row : triggers) {
      const std::string name = row[0].value_or("");
      const std::string table = row.size() > 2 ? row[2].value_or("") : "";
      if (!filter.table_included(db, table)) continue;
      try {
        Rows show = source.query("SHOW CREATE TRIGGER " + qualified_name(db, name));
        std::string ddl = guard_trigger(strip_definer(show.at(0).at(2).value_or("")));
        target.exec("USE " + quote_identifier(target_db[db]) + "; DROP TRIGGER IF EXISTS " + quote_identifier(name) +
                    "; " + rename(ddl, db));
      } catch (const Error& e) {
        log::warn("sync: trigger {} not copied: {}", qualified_name(db, name), e.what());
      }
    }
  }
}

}  // namespace galaxis::sql::sync
