#include "galaxis/sql/sync/checksum.h"

#include <future>
#include <map>
#include <unordered_map>

#include "galaxis/common/log.h"
#include "galaxis/sql/sync/checked_write.h"
#include "galaxis/sql/sync/chunk_writer.h"
#include "galaxis/sql/sync/row_stream.h"
#include "galaxis/sql/sync/snapshot.h"
#include "galaxis/sql/transaction_scope.h"

namespace galaxis::sql::sync {
namespace {

struct ChunkSum {
  std::string count;
  std::string hash;
  bool operator==(const ChunkSum&) const = default;
};

ChunkSum chunk_sum(Connection& connection, const std::string& sql) {
  Rows rows = connection.query(sql);
  if (rows.empty()) return {};
  return {rows[0][0].value_or("0"), rows[0][1].value_or("0")};
}

// Key bytes with lengths, as a map key that compares byte-exactly.
std::string key_identity(const RowView& row, size_t columns) {
  std::string out;
  for (size_t i = 0; i < columns; ++i) {
    std::string_view v = row[i].value_or(std::string_view());
    out += std::to_string(v.size());
    out += ':';
    out += v;
  }
  return out;
}

struct KeyedHashes {
  std::unordered_map<std::string, std::pair<KeyValue, std::string>> rows;  // identity -> (key, hash)
};

KeyedHashes read_hashes(Connection& connection, const std::string& sql, size_t key_columns) {
  KeyedHashes out;
  stream_rows(connection, sql, [&](const RowView& row) {
    KeyValue key;
    for (size_t i = 0; i < key_columns; ++i) key.emplace_back(row[i].value_or(std::string_view()));
    out.rows.emplace(key_identity(row, key_columns),
                     std::make_pair(std::move(key), std::string(row[key_columns].value_or("NULL"))));
  });
  return out;
}

}  // namespace

ChecksumComparer::ChecksumComparer(Connection& source, Connection& target, ChecksumOptions options)
    : source_(source), target_(target), options_(options) {
  target_.exec(writer_session_sql());
  setup_read_session(target_);
}

std::string ChecksumComparer::upsert_suffix(const SyncTable& table) const {
  std::string out;
  const bool mariadb = target_.is_mariadb();
  out = mariadb ? " ON DUPLICATE KEY UPDATE " : " AS galaxis_new ON DUPLICATE KEY UPDATE ";
  for (size_t i = 0; i < table.columns.size(); ++i) {
    const std::string name = quote_identifier(table.columns[i].name);
    if (i > 0) out += ',';
    out += name + "=" + (mariadb ? "VALUES(" + name + ")" : "galaxis_new." + name);
  }
  return out;
}

void ChecksumComparer::compare_table(const SyncTable& table, TableDifferences* differences) {
  with_context("comparing " + table.source_name(), [&] {
    if (!table.has_key()) {
      compare_keyless(table, differences);
      return;
    }
    std::optional<KeyValue> lower;
    for (;;) {
      std::string sql = "SELECT " + key_select_list(table) + " FROM " + table.source_name();
      const std::string where = range_predicate(table, lower, std::nullopt);
      if (where != "1") sql += " WHERE " + where;
      sql += " ORDER BY " + key_order(table) + " LIMIT 1 OFFSET " + std::to_string(options_.chunk_rows - 1);
      std::optional<KeyValue> upper;
      stream_rows(source_, sql, [&](const RowView& row) {
        KeyValue key;
        for (size_t i = 0; i < table.key.size(); ++i) key.emplace_back(row[i].value_or(std::string_view()));
        upper = std::move(key);
      });
      compare_range(table, lower, upper, differences);
      if (!upper) break;
      lower = std::move(upper);
    }
  });
}

void ChecksumComparer::compare_range(const SyncTable& table, const std::optional<KeyValue>& lower,
                                     const std::optional<KeyValue>& upper, TableDifferences* differences) {
  const std::string where = range_predicate(table, lower, upper);
  const std::string hash = row_hash_expression(table);
  ++chunks_compared_;
  const bool mostly_differing = recent_count_ >= 16 && __builtin_popcount(recent_ & 0xFFFF) >= 8;
  recent_count_ = std::min(recent_count_ + 1, 16u);
  recent_ <<= 1;
  if (!mostly_differing) {
    const std::string sum_sql = "SELECT COUNT(*), COALESCE(BIT_XOR(" + hash + "),0) FROM ";
    auto target_sum = std::async(std::launch::async,
                                 [&] { return chunk_sum(target_, sum_sql + table.target_name() + " WHERE " + where); });
    ChunkSum source_sum;
    try {
      source_sum = chunk_sum(source_, sum_sql + table.source_name() + " WHERE " + where);
    } catch (...) {
      target_sum.wait();
      throw;
    }
    if (source_sum == target_sum.get()) return;
  }
  const std::string list_sql = "SELECT " + key_select_list(table) + "," + hash + " FROM ";
  auto target_rows = std::async(std::launch::async, [&] {
    return read_hashes(target_, list_sql + table.target_name() + " WHERE " + where, table.key.size());
  });
  KeyedHashes source_rows;
  try {
    source_rows = read_hashes(source_, list_sql + table.source_name() + " WHERE " + where, table.key.size());
  } catch (...) {
    target_rows.wait();
    throw;
  }
  KeyedHashes target = target_rows.get();

  std::vector<KeyValue> extra;
  std::vector<KeyValue> fetch;  // missing + changed
  for (auto& [identity, entry] : source_rows.rows) {
    auto it = target.rows.find(identity);
    if (it == target.rows.end()) {
      ++differences->missing;
      fetch.push_back(entry.first);
    } else if (it->second.second != entry.second) {
      ++differences->changed;
      fetch.push_back(entry.first);
    }
  }
  for (auto& [identity, entry] : target.rows) {
    if (!source_rows.rows.count(identity)) {
      ++differences->extra;
      extra.push_back(entry.first);
    }
  }
  if (extra.empty() && fetch.empty()) return;  // equal (found without the chunk checksum)
  ++chunks_differing_;
  recent_ |= 1;
  if (!options_.dry_run && (!extra.empty() || !fetch.empty())) repair_rows(table, extra, fetch);
}

void ChecksumComparer::repair_rows(const SyncTable& table, const std::vector<KeyValue>& extra,
                                   const std::vector<KeyValue>& fetch) {
  std::string sql = "START TRANSACTION;";
  const size_t batch = std::max<uint64_t>(1, options_.repair_batch);
  for (size_t i = 0; i < extra.size(); i += batch) {
    std::vector<KeyValue> part(extra.begin() + i, extra.begin() + std::min(extra.size(), i + batch));
    sql += "DELETE FROM " + table.target_name() + " WHERE " + key_in_predicate(table, part) + ";";
  }
  const std::string head = "INSERT INTO " + table.target_name() + " " + column_list(table) + " VALUES ";
  const std::string suffix = upsert_suffix(table);
  for (size_t i = 0; i < fetch.size(); i += batch) {
    std::vector<KeyValue> part(fetch.begin() + i, fetch.begin() + std::min(fetch.size(), i + batch));
    std::string values;
    stream_rows(
        source_,
        "SELECT " + select_list(table) + " FROM " + table.source_name() + " WHERE " + key_in_predicate(table, part),
        [&](const RowView& row) {
          if (!values.empty()) values += ',';
          append_row(&values, table, row);
        });
    if (!values.empty()) sql += head + values + suffix + ";";
  }
  send_repair(sql, table);
  rows_repaired_ += extra.size() + fetch.size();
}

void ChecksumComparer::send_repair(const std::string& sql, const SyncTable& table) {
  TransactionScope trx(target_);
  send_checked(target_, sql, table, "checksum repair of " + table.source_name());
  trx.commit();
}

void ChecksumComparer::compare_keyless(const SyncTable& table, TableDifferences* differences) {
  ++chunks_compared_;
  const std::string sum_sql = "SELECT COUNT(*), COALESCE(BIT_XOR(" + row_hash_expression(table) + "),0) FROM ";
  ChunkSum source_sum = chunk_sum(source_, sum_sql + table.source_name());
  ChunkSum target_sum = chunk_sum(target_, sum_sql + table.target_name());
  if (source_sum == target_sum) return;
  ++chunks_differing_;
  const uint64_t rows = std::max(std::stoull(source_sum.count), std::stoull(target_sum.count));
  if (rows > options_.keyless_warn_rows) {
    log::warn(
        "sync: {} has no primary or unique NOT NULL key and differs: comparing all {} rows in memory, "
        "one DELETE per extra row (add a key to make this fast)",
        table.source_name(), rows);
  }
  struct Entry {
    int64_t source = 0;
    int64_t target = 0;
    std::vector<std::optional<std::string>> values;
  };
  std::map<std::string, Entry> entries;  // row literal -> counts
  auto collect = [&](Connection& connection, const std::string& name, bool is_source) {
    stream_rows(connection, "SELECT " + select_list(table) + " FROM " + name, [&](const RowView& row) {
      std::string literal;
      append_row(&literal, table, row);
      Entry& entry = entries[literal];
      (is_source ? entry.source : entry.target) += 1;
      if (entry.values.empty()) {
        for (const auto& v : row)
          entry.values.push_back(v ? std::optional<std::string>(std::string(*v)) : std::nullopt);
      }
    });
  };
  collect(source_, table.source_name(), true);
  collect(target_, table.target_name(), false);
  std::string deletes;
  std::string inserts;
  uint64_t repaired = 0;
  for (const auto& [literal, entry] : entries) {
    if (entry.target > entry.source) {
      differences->extra += entry.target - entry.source;
      deletes += "DELETE FROM " + table.target_name() + " WHERE " + row_match_predicate(table, entry.values) +
                 " LIMIT " + std::to_string(entry.target - entry.source) + ";";
      repaired += entry.target - entry.source;
    } else if (entry.source > entry.target) {
      differences->missing += entry.source - entry.target;
      for (int64_t i = entry.target; i < entry.source; ++i) {
        if (!inserts.empty()) inserts += ',';
        inserts += literal;
      }
      repaired += entry.source - entry.target;
    }
  }
  if (options_.dry_run || repaired == 0) return;
  std::string sql = "START TRANSACTION;" + deletes;
  if (!inserts.empty())
    sql += "INSERT INTO " + table.target_name() + " " + column_list(table) + " VALUES " + inserts + ";";
  send_repair(sql, table);
  rows_repaired_ += repaired;
}

}  // namespace galaxis::sql::sync
