#include "galaxis/sql/bulk_upsert.h"

#include <mysql.h>

#include <cstring>

#include "galaxis/common/error.h"
#include "galaxis/sql/literal.h"
#include "galaxis/sql/warning_check.h"

namespace galaxis::sql {
namespace {

// Encoding of one value: a tag, then 8 bytes (integers, little-endian) or a
// 4-byte length and the bytes (strings).
constexpr char kNull = 'N', kSigned = 'I', kUnsigned = 'U', kString = 'S';

void put_u64(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
uint64_t get_u64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
  return v;
}
uint32_t get_u32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t{static_cast<unsigned char>(p[i])} << (8 * i);
  return v;
}

bool is_text_type(const std::string& t) {
  return t == "char" || t == "varchar" || t == "tinytext" || t == "text" || t == "mediumtext" || t == "longtext";
}
bool is_blob_type(const std::string& t) {
  return t == "varbinary" || t == "tinyblob" || t == "blob" || t == "mediumblob" || t == "longblob";
}

// One decoded value: its tag and, for strings, where its bytes are.
struct Field {
  char tag = kNull;
  uint64_t number = 0;
  const char* bytes = nullptr;
  uint32_t length = 0;
};

// Reads the next field at `*pos`; Error(kCorrupt) on a truncated encoding (a bug).
Field next_field(std::string_view encoded, size_t* pos) {
  Field f;
  auto need = [&](size_t n) {
    if (*pos + n > encoded.size()) throw_error(Error::Kind::kCorrupt, "bulk row encoding truncated at {}", *pos);
  };
  need(1);
  f.tag = encoded[(*pos)++];
  if (f.tag == kSigned || f.tag == kUnsigned) {
    need(8);
    f.number = get_u64(encoded.data() + *pos);
    *pos += 8;
  } else if (f.tag == kString) {
    need(4);
    f.length = get_u32(encoded.data() + *pos);
    *pos += 4;
    need(f.length);
    f.bytes = encoded.data() + *pos;
    *pos += f.length;
  } else if (f.tag != kNull) {
    throw_error(Error::Kind::kCorrupt, "bulk row encoding: unknown tag {}", static_cast<int>(f.tag));
  }
  return f;
}

}  // namespace

bool bulk_bindable(const ColumnSchema& column) {
  if (column.generated || column.hidden) return false;
  if (column.integer_bits() > 0) return true;
  if (is_text_type(column.data_type)) {
    return column.charset == "utf8mb4" || column.charset == "utf8mb3" || column.charset == "utf8";
  }
  return column.charset.empty() && is_blob_type(column.data_type);
}

bool encode_bulk_value(std::string* out, const binlog::Value& value, const ColumnSchema& column) {
  if (binlog::is_null(value)) {
    out->push_back(kNull);
    return true;
  }
  const unsigned bits = column.integer_bits();
  if (bits > 0) {
    if (const auto* s = std::get_if<int64_t>(&value)) {
      if (column.is_unsigned) {  // literal.cc: a negative reading of an unsigned column, masked to its width
        uint64_t u = static_cast<uint64_t>(*s);
        if (*s < 0 && bits < 64) u &= (uint64_t{1} << bits) - 1;
        out->push_back(kUnsigned);
        put_u64(out, u);
      } else {
        out->push_back(kSigned);
        put_u64(out, static_cast<uint64_t>(*s));
      }
      return true;
    }
    if (const auto* u = std::get_if<uint64_t>(&value)) {
      if (!column.is_unsigned && *u > static_cast<uint64_t>(INT64_MAX)) return false;
      out->push_back(column.is_unsigned ? kUnsigned : kSigned);
      put_u64(out, *u);
      return true;
    }
    return false;
  }
  const auto* text = std::get_if<binlog::Text>(&value);
  if (text == nullptr || text->bytes.size() > UINT32_MAX) return false;
  out->push_back(kString);
  const auto n = static_cast<uint32_t>(text->bytes.size());
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((n >> (8 * i)) & 0xFF));
  out->append(text->bytes);
  return true;
}

void append_bulk_row_literal(std::string* out, std::string_view encoded, const std::vector<ColumnSchema>& columns) {
  size_t pos = 0;
  out->push_back('(');
  for (size_t c = 0; c < columns.size(); ++c) {
    if (c > 0) out->push_back(',');
    const Field f = next_field(encoded, &pos);
    switch (f.tag) {
      case kNull: append_literal(out, binlog::Null{}, columns[c]); break;
      case kSigned: append_literal(out, static_cast<int64_t>(f.number), columns[c]); break;
      case kUnsigned: append_literal(out, f.number, columns[c]); break;
      default: append_literal(out, binlog::Text{std::string(f.bytes, f.length)}, columns[c]); break;
    }
  }
  out->push_back(')');
  if (pos != encoded.size())
    throw_error(Error::Kind::kCorrupt, "bulk row encoding: {} bytes left over", encoded.size() - pos);
}

bool BulkExecutor::supported(Connection& connection) {
  unsigned long capabilities = 0;
  if (mariadb_get_infov(connection.handle(), MARIADB_CONNECTION_EXTENDED_SERVER_CAPABILITIES, &capabilities) != 0) {
    return false;
  }
  return (capabilities & (MARIADB_CLIENT_STMT_BULK_OPERATIONS >> 32)) != 0;
}

uint64_t BulkExecutor::execute(Connection& connection, const BulkRows& bulk) {
  if (bulk.rows.empty()) return 0;
  auto it = statements_.find(bulk.sql);
  if (it == statements_.end()) it = statements_.emplace(bulk.sql, connection.prepare(bulk.sql)).first;
  PreparedStatement& statement = it->second;
  const size_t columns = bulk.columns.size();
  const size_t rows = bulk.rows.size();
  if (statement.param_count() != columns) {
    throw_error(Error::Kind::kRuntime, "bulk statement for {} expects {} parameters, have {} columns", bulk.table,
                statement.param_count(), columns);
  }
  // Column-wise arrays: numbers, string pointers and lengths, indicators.
  std::vector<int64_t> numbers(columns * rows);
  std::vector<const char*> pointers(columns * rows);
  std::vector<unsigned long> lengths(columns * rows);
  std::vector<char> indicators(columns * rows, STMT_INDICATOR_NONE);
  std::vector<char> integer(columns, 0);
  for (size_t c = 0; c < columns; ++c) integer[c] = bulk.columns[c].integer_bits() > 0 ? 1 : 0;
  for (size_t r = 0; r < rows; ++r) {
    size_t pos = 0;
    for (size_t c = 0; c < columns; ++c) {
      const Field f = next_field(bulk.rows[r], &pos);
      const size_t i = c * rows + r;
      if (f.tag == kNull) {
        indicators[i] = STMT_INDICATOR_NULL;
      } else if (integer[c] != 0) {
        if (f.tag == kString)
          throw_error(Error::Kind::kCorrupt, "bulk row for {}: a string for an integer", bulk.table);
        numbers[i] = static_cast<int64_t>(f.number);
      } else {
        if (f.tag != kString) throw_error(Error::Kind::kCorrupt, "bulk row for {}: a number for a string", bulk.table);
        pointers[i] = f.length == 0 ? "" : f.bytes;
        lengths[i] = f.length;
      }
    }
  }
  std::vector<MYSQL_BIND> binds(columns);
  for (size_t c = 0; c < columns; ++c) {
    MYSQL_BIND& b = binds[c];
    b = MYSQL_BIND{};
    b.u.indicator = &indicators[c * rows];
    if (integer[c] != 0) {
      b.buffer_type = MYSQL_TYPE_LONGLONG;
      b.buffer = &numbers[c * rows];
      b.is_unsigned = bulk.columns[c].is_unsigned ? 1 : 0;
    } else {
      b.buffer_type = MYSQL_TYPE_STRING;
      b.buffer = &pointers[c * rows];
      b.length = &lengths[c * rows];
    }
  }
  MYSQL_STMT* stmt = statement.handle();
  unsigned int array_size = static_cast<unsigned int>(rows);
  if (mysql_stmt_attr_set(stmt, STMT_ATTR_ARRAY_SIZE, &array_size) != 0) statement.throw_stmt_error();
  if (mysql_stmt_bind_param(stmt, binds.data()) != 0) statement.throw_stmt_error();
  if (mysql_stmt_execute(stmt) != 0) statement.throw_stmt_error();
  const uint64_t affected = mysql_stmt_affected_rows(stmt);
  ++executions_;
  // As for every row statement: a value the target coerced stops the applier.
  if (mysql_warning_count(connection.handle()) > 0) {
    throw Error(Error::Kind::kServer,
                fmt::format("{}: bulk INSERT into {} ({} rows) left warnings: {}", connection.display(), bulk.table,
                            rows, describe_warnings(connection.show_warnings())));
  }
  return affected;
}

}  // namespace galaxis::sql
