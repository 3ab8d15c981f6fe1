#include "galaxis/sql/sync/table.h"

#include "galaxis/common/error.h"
#include "galaxis/sql/connection.h"
#include "galaxis/sql/literal.h"

namespace galaxis::sql::sync {
namespace {

bool is_one_of(const std::string& value, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    if (value == name) return true;
  }
  return false;
}

std::string column_expression(const SyncColumn& column) {
  const std::string name = quote_identifier(column.name);
  switch (column.kind) {
    case ValueKind::kFloat: return "CAST(" + name + " AS DOUBLE)";
    case ValueKind::kBit: return name + "+0";
    default: return name;
  }
}

// The expression hashed for a column: bytes for character data so that
// mixed charsets never meet in CONCAT_WS and case differences count.
std::string hash_expression(const SyncColumn& column) {
  const std::string name = quote_identifier(column.name);
  switch (column.kind) {
    case ValueKind::kFloat: return "CAST(" + name + " AS DOUBLE)";
    case ValueKind::kBit: return name + "+0";
    case ValueKind::kText:
    case ValueKind::kJson:
    case ValueKind::kBinary: return "CAST(" + name + " AS BINARY)";  // MySQL's VECTOR is no string argument
    default: return name;
  }
}

void append_key_literal(std::string* out, const SyncColumn& column, const std::string& value) {
  append_value(out, column, std::string_view(value));
}

constexpr char kHex[] = "0123456789abcdef";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string SyncTable::source_name() const { return qualified_name(database, table); }
std::string SyncTable::target_name() const { return qualified_name(target_database, table); }

ValueKind value_kind(const ColumnSchema& column) {
  const std::string& type = column.data_type;
  if (type == "float") return ValueKind::kFloat;
  if (type == "bit") return ValueKind::kBit;
  if (column.integer_bits() > 0 || is_one_of(type, {"decimal", "numeric", "double", "real", "year"})) {
    return ValueKind::kNumber;
  }
  // MariaDB's UUID/INET6/INET4 read as their text form; as _binary'…' the
  // server would take those bytes for the binary form (36 bytes: invalid).
  if (is_one_of(type, {"date", "time", "datetime", "timestamp", "uuid", "inet6", "inet4"})) return ValueKind::kTemporal;
  if (type == "json" && column.charset.empty()) return ValueKind::kJson;
  if (column.is_character()) return ValueKind::kText;
  return ValueKind::kBinary;
}

SyncTable make_sync_table(const TableSchema& schema, const std::string& target_database) {
  SyncTable table;
  table.database = schema.database;
  table.table = schema.table;
  table.target_database = target_database;
  std::vector<size_t> index_of(schema.columns.size(), SIZE_MAX);
  for (size_t i = 0; i < schema.columns.size(); ++i) {
    const ColumnSchema& column = schema.columns[i];
    if (column.generated) continue;
    index_of[i] = table.columns.size();
    SyncColumn out;
    out.name = column.name;
    out.column_type = column.column_type;
    out.kind = value_kind(column);
    out.charset = out.kind == ValueKind::kText ? column.charset : "";
    out.nullable = column.nullable;
    table.columns.push_back(std::move(out));
  }
  if (schema.key_kind != KeyKind::kNone) {
    for (size_t k : schema.key_columns) {
      if (index_of[k] == SIZE_MAX) {  // a key over a generated column: not usable for ranges we write
        table.key.clear();
        break;
      }
      table.key.push_back(index_of[k]);
    }
  }
  return table;
}

std::string select_list(const SyncTable& table) {
  std::string out;
  for (const SyncColumn& column : table.columns) {
    if (!out.empty()) out += ',';
    out += column_expression(column);
  }
  return out;
}

std::string column_list(const SyncTable& table) {
  std::string out = "(";
  for (size_t i = 0; i < table.columns.size(); ++i) {
    if (i > 0) out += ',';
    out += quote_identifier(table.columns[i].name);
  }
  return out + ")";
}

std::string key_order(const SyncTable& table) {
  std::string out;
  for (size_t k : table.key) {
    if (!out.empty()) out += ',';
    out += quote_identifier(table.columns[k].name);
  }
  return out;
}

std::string key_select_list(const SyncTable& table) {
  std::string out;
  for (size_t k : table.key) {
    if (!out.empty()) out += ',';
    out += column_expression(table.columns[k]);
  }
  return out;
}

void append_value(std::string* out, const SyncColumn& column, const std::optional<std::string_view>& value) {
  if (!value) {
    *out += "NULL";
    return;
  }
  switch (column.kind) {
    case ValueKind::kNumber:
    case ValueKind::kFloat:
    case ValueKind::kBit:
      if (value->empty()) throw_error(Error::Kind::kCorrupt, "column `{}`: empty numeric value", column.name);
      // MySQL keeps -0.0 in FLOAT/DOUBLE and prints it "-0", which as a
      // literal is the integer 0: an exponent makes it the double -0.0.
      if (*value == "-0") {
        *out += "-0e0";
        return;
      }
      *out += *value;
      return;
    case ValueKind::kText: append_text_literal(out, column.charset, *value); return;
    case ValueKind::kJson:
      *out += "_utf8mb4";
      append_quoted(out, *value);
      return;
    case ValueKind::kBinary:
      *out += "_binary";
      append_quoted(out, *value);
      return;
    case ValueKind::kTemporal: append_quoted(out, *value); return;
  }
}

void append_row(std::string* out, const SyncTable& table, const std::vector<std::optional<std::string_view>>& row) {
  *out += '(';
  for (size_t i = 0; i < table.columns.size(); ++i) {
    if (i > 0) *out += ',';
    append_value(out, table.columns[i], row[i]);
  }
  *out += ')';
}

namespace {

// key <op> value, lexicographic over the key columns: strict (>, <) or
// inclusive of equality at the last column.
std::string key_compare(const SyncTable& table, const KeyValue& value, const char* op, bool or_equal) {
  if (value.size() != table.key.size()) {
    throw_error(Error::Kind::kCorrupt, "{}: a key value has {} columns, the key has {}", table.source_name(),
                value.size(), table.key.size());
  }
  std::string out = "(";
  for (size_t i = 0; i < table.key.size(); ++i) {
    if (i > 0) out += " OR ";
    out += '(';
    for (size_t j = 0; j < i; ++j) {
      const SyncColumn& column = table.columns[table.key[j]];
      out += quote_identifier(column.name) + "=";
      append_key_literal(&out, column, value[j]);
      out += " AND ";
    }
    const SyncColumn& column = table.columns[table.key[i]];
    out += quote_identifier(column.name) + op;
    append_key_literal(&out, column, value[i]);
    out += ')';
  }
  if (or_equal) {
    out += " OR (";
    for (size_t j = 0; j < table.key.size(); ++j) {
      const SyncColumn& column = table.columns[table.key[j]];
      if (j > 0) out += " AND ";
      out += quote_identifier(column.name) + "=";
      append_key_literal(&out, column, value[j]);
    }
    out += ')';
  }
  return out + ")";
}

}  // namespace

std::string range_predicate(const SyncTable& table, const std::optional<KeyValue>& lower,
                            const std::optional<KeyValue>& upper) {
  if (!lower && !upper) return "1";
  if (table.key.size() == 1) {  // the common case, in its simplest form
    const SyncColumn& column = table.columns[table.key[0]];
    const std::string name = quote_identifier(column.name);
    std::string out;
    if (lower) {
      out += name + ">";
      append_key_literal(&out, column, lower->at(0));
    }
    if (upper) {
      if (lower) out += " AND ";
      out += name + "<=";
      append_key_literal(&out, column, upper->at(0));
    }
    return out;
  }
  std::string out;
  if (lower) out += key_compare(table, *lower, ">", false);
  if (upper) {
    if (lower) out += " AND ";
    out += key_compare(table, *upper, "<", true);
  }
  return out;
}

std::string key_in_predicate(const SyncTable& table, const std::vector<KeyValue>& keys) {
  if (keys.empty()) return "0";
  std::string out;
  if (table.key.size() == 1) {
    const SyncColumn& column = table.columns[table.key[0]];
    out = quote_identifier(column.name) + " IN (";
    for (size_t i = 0; i < keys.size(); ++i) {
      if (i > 0) out += ',';
      append_key_literal(&out, column, keys[i].at(0));
    }
    return out + ")";
  }
  for (size_t i = 0; i < keys.size(); ++i) {
    if (i > 0) out += " OR ";
    out += '(';
    for (size_t j = 0; j < table.key.size(); ++j) {
      const SyncColumn& column = table.columns[table.key[j]];
      if (j > 0) out += " AND ";
      out += quote_identifier(column.name) + "=";
      append_key_literal(&out, column, keys[i].at(j));
    }
    out += ')';
  }
  return out;
}

std::string row_match_predicate(const SyncTable& table, const std::vector<std::optional<std::string>>& row) {
  std::string out;
  for (size_t i = 0; i < table.columns.size(); ++i) {
    const SyncColumn& column = table.columns[i];
    if (i > 0) out += " AND ";
    if (column.kind == ValueKind::kText || column.kind == ValueKind::kJson || column.kind == ValueKind::kBinary) {
      // Byte-exact: a case-insensitive collation would match the wrong row.
      out += "CAST(" + quote_identifier(column.name) + " AS BINARY)<=>";
      if (row[i]) {
        out += "_binary";
        append_quoted(&out, *row[i]);
      } else {
        out += "NULL";
      }
    } else {
      out += column_expression(column) + "<=>";
      append_value(&out, column, row[i] ? std::optional<std::string_view>(*row[i]) : std::nullopt);
    }
  }
  return out;
}

std::string row_hash_expression(const SyncTable& table) {
  std::string out = "CRC32(CONCAT_WS('#'";
  std::string nulls;
  for (const SyncColumn& column : table.columns) {
    const std::string expression = hash_expression(column);
    // Strings may hold the separator: ('a#', '') and ('a', '#') would both
    // hash "a##"; their byte lengths in front keep the fields apart.
    if (column.kind == ValueKind::kText || column.kind == ValueKind::kJson || column.kind == ValueKind::kBinary)
      out += ",OCTET_LENGTH(" + expression + ")";
    out += ',' + expression;
    if (column.nullable) {
      if (!nulls.empty()) nulls += ',';
      nulls += "ISNULL(" + quote_identifier(column.name) + ")";
    }
  }
  if (!nulls.empty()) out += ",CONCAT(" + nulls + ")";
  return out + "))";
}

std::string encode_key(const KeyValue& key) {
  std::string out;
  for (size_t i = 0; i < key.size(); ++i) {
    if (i > 0) out += ',';
    for (unsigned char c : key[i]) {
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

KeyValue decode_key(std::string_view text) {
  KeyValue key;
  std::string current;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == ',') {
      key.push_back(std::move(current));
      current.clear();
      continue;
    }
    if (i + 1 >= text.size() || hex_value(text[i]) < 0 || hex_value(text[i + 1]) < 0) {
      throw_error(Error::Kind::kCorrupt, "malformed key text '{}'", std::string(text.substr(0, 80)));
    }
    current += static_cast<char>(hex_value(text[i]) * 16 + hex_value(text[i + 1]));
    ++i;
  }
  return key;
}

}  // namespace galaxis::sql::sync
