#include "system_versioning.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "galaxis/common/error.h"
#include "galaxis/sql/connection.h"
#include "galaxis/sql/literal.h"

namespace galaxis::sql::versioning {

bool is_current(const binlog::Value& row_end) {
  if (const auto* ts = std::get_if<binlog::Timestamp>(&row_end)) {
    // 2147483647.999999 (MariaDB < 11.5) or 4294967295.999999 (11.5+).
    return ts->seconds >= 2147483647u && ts->micros == 999999;
  }
  if (const auto* u = std::get_if<uint64_t>(&row_end)) return *u == std::numeric_limits<uint64_t>::max();
  if (const auto* i = std::get_if<int64_t>(&row_end)) return *i == -1;  // BIGINT UNSIGNED without signedness
  return false;
}

std::string timestamp_seconds(const binlog::Value& value, const TableSchema& schema) {
  const auto* ts = std::get_if<binlog::Timestamp>(&value);
  if (ts == nullptr) {
    throw_error(Error::Kind::kUnsupported, "system-versioned table {}: a period column holds no TIMESTAMP value",
                qualified_name(schema.database, schema.table));
  }
  return fmt::format("{}.{:06}", ts->seconds, ts->micros);
}

const binlog::Value* value_at(const binlog::RowImage& image, const std::vector<size_t>& map, size_t column) {
  auto it = std::find(map.begin(), map.end(), column);
  if (it == map.end()) return nullptr;
  size_t pos = static_cast<size_t>(it - map.begin());
  return pos < image.size() ? &image[pos] : nullptr;
}

std::string fingerprint(const TableSchema& schema, const binlog::RowImage& image, const std::vector<size_t>& map,
                        const binlog::Value* row_end) {
  // With a key, the key and ROW END name one row of all time (MariaDB's own
  // unique index is the key plus ROW END) and MINIMAL before images hold
  // just those; without one, every column (such images are always whole).
  std::vector<size_t> columns;
  if (schema.key_kind != KeyKind::kNone && !schema.key_columns.empty()) {
    for (size_t column : schema.key_columns) {
      if (column != schema.row_end) columns.push_back(column);
    }
    columns.push_back(schema.row_end);
  } else {
    for (size_t column = 0; column < schema.columns.size(); ++column) {
      if (schema.columns[column].role != ColumnRole::kLongUniqueHash) columns.push_back(column);
    }
  }
  std::string out = qualified_name(schema.database, schema.table);
  for (size_t column : columns) {
    out.push_back('\x1f');
    const binlog::Value* value =
        column == schema.row_end && row_end != nullptr ? row_end : value_at(image, map, column);
    if (value == nullptr) {
      out += "?";
    } else if (!std::holds_alternative<binlog::JsonDiff>(*value)) {
      append_literal(&out, *value, schema.columns[column]);
    }
  }
  return out;
}

void expect_history(std::deque<std::string>* pending, std::string fingerprint) {
  if (pending->size() >= kMaxPending) pending->pop_front();
  pending->push_back(std::move(fingerprint));
}

bool take_history(std::deque<std::string>* pending, const std::string& fingerprint) {
  auto it = std::find(pending->begin(), pending->end(), fingerprint);
  if (it == pending->end()) return false;
  pending->erase(it);
  return true;
}

}  // namespace galaxis::sql::versioning
