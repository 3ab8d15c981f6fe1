#include "galaxis/sql/column_compat.h"

#include <cstdlib>
#include <vector>

#include "galaxis/common/error.h"
#include "galaxis/sql/connection.h"

namespace galaxis::sql {
namespace {

using binlog::ColumnType;

// The numbers in "varchar(20)", "decimal(10,2)", "datetime(6)": {} when none.
std::vector<unsigned long> type_arguments(const std::string& column_type) {
  std::vector<unsigned long> out;
  size_t open = column_type.find('(');
  if (open == std::string::npos) return out;
  const char* p = column_type.c_str() + open + 1;
  for (;;) {
    char* end = nullptr;
    unsigned long value = std::strtoul(p, &end, 10);
    if (end == p) break;
    out.push_back(value);
    if (*end != ',') break;
    p = end + 1;
  }
  return out;
}

bool is_one_of(const std::string& s, std::initializer_list<const char*> names) {
  for (const char* n : names) {
    if (s == n) return true;
  }
  return false;
}

// Source maximum length in bytes of a character/binary column; 0 = unknown.
uint64_t source_max_bytes(const binlog::ColumnInfo& c) {
  switch (c.real_type) {
    case ColumnType::kVarchar:
    case ColumnType::kVarString: return c.meta;
    case ColumnType::kString: {
      if (c.meta == 0) return 0;  // pre-5.1.18 table map: no metadata
      const unsigned byte0 = c.meta >> 8, byte1 = c.meta & 0xff;
      if ((byte0 & 0x30) != 0x30) return (((byte0 & 0x30) ^ 0x30) << 4) | byte1;
      return byte1;
    }
    case ColumnType::kBlob:
    case ColumnType::kTinyBlob:
    case ColumnType::kMediumBlob:
    case ColumnType::kLongBlob:
      switch (c.meta) {  // bytes of the length prefix
        case 1: return 255;
        case 2: return 65535;
        case 3: return 16777215;
        case 4: return 4294967295ULL;
        default: return 0;
      }
    default: return 0;
  }
}

std::string source_type_name(const binlog::ColumnInfo& c) {
  switch (c.real_type) {
    case ColumnType::kTiny: return "TINYINT";
    case ColumnType::kShort: return "SMALLINT";
    case ColumnType::kInt24: return "MEDIUMINT";
    case ColumnType::kLong: return "INT";
    case ColumnType::kLongLong: return "BIGINT";
    case ColumnType::kNewDecimal: return fmt::format("DECIMAL({},{})", c.meta >> 8, c.meta & 0xff);
    case ColumnType::kFloat: return "FLOAT";
    case ColumnType::kDouble: return "DOUBLE";
    case ColumnType::kVarchar:
    case ColumnType::kVarString: return fmt::format("VARCHAR/VARBINARY of {} bytes", c.meta);
    case ColumnType::kString: return fmt::format("CHAR/BINARY of {} bytes", source_max_bytes(c));
    case ColumnType::kBlob:
    case ColumnType::kTinyBlob:
    case ColumnType::kMediumBlob:
    case ColumnType::kLongBlob: return fmt::format("TEXT/BLOB of up to {} bytes", source_max_bytes(c));
    case ColumnType::kBit: return fmt::format("BIT({})", (c.meta >> 8) * 8 + (c.meta & 0xff));
    case ColumnType::kTime2: return fmt::format("TIME({})", c.fsp());
    case ColumnType::kDateTime2: return fmt::format("DATETIME({})", c.fsp());
    case ColumnType::kTimestamp2: return fmt::format("TIMESTAMP({})", c.fsp());
    default: return std::string(binlog::column_type_name(c.real_type));
  }
}

std::string with_sign(const std::string& name, const binlog::ColumnInfo& c) {
  if (!c.is_unsigned) return name;
  return name + (*c.is_unsigned ? " UNSIGNED" : " SIGNED");
}

}  // namespace

std::optional<std::string> column_narrowing(const binlog::ColumnInfo& source, const ColumnSchema& target) {
  if (target.generated) return std::nullopt;
  const std::string& type = target.data_type;
  const auto narrowed = [&](const std::string& source_name) {
    return std::optional<std::string>(fmt::format("source {} -> target {}", source_name, target.column_type));
  };
  switch (source.real_type) {
    case ColumnType::kTiny:
    case ColumnType::kShort:
    case ColumnType::kInt24:
    case ColumnType::kLong:
    case ColumnType::kLongLong: {
      const unsigned target_bits = target.integer_bits();
      if (target_bits == 0) return std::nullopt;  // another type family
      const unsigned source_bits = source.width_bits();
      bool fits = target_bits >= source_bits;
      if (source.is_unsigned) {
        if (*source.is_unsigned) {
          fits = target.is_unsigned ? target_bits >= source_bits : target_bits > source_bits;
        } else {
          fits = !target.is_unsigned && target_bits >= source_bits;
        }
      }
      if (!fits) return narrowed(with_sign(source_type_name(source), source));
      return std::nullopt;
    }
    case ColumnType::kNewDecimal: {
      if (type != "decimal" && type != "numeric") return std::nullopt;
      const unsigned precision = source.meta >> 8, scale = source.meta & 0xff;
      if (precision == 0) return std::nullopt;
      std::vector<unsigned long> args = type_arguments(target.column_type);
      const unsigned long target_precision = args.empty() ? 10 : args[0];
      const unsigned long target_scale = args.size() > 1 ? args[1] : 0;
      if (target_scale < scale || target_precision - target_scale < precision - scale) {
        return narrowed(source_type_name(source));
      }
      return std::nullopt;
    }
    case ColumnType::kDouble:
      if (type == "float") return narrowed("DOUBLE");
      return std::nullopt;
    case ColumnType::kVarchar:
    case ColumnType::kVarString:
    case ColumnType::kString:
    case ColumnType::kBlob:
    case ColumnType::kTinyBlob:
    case ColumnType::kMediumBlob:
    case ColumnType::kLongBlob: {
      if (!is_one_of(type, {"char", "varchar", "binary", "varbinary", "tinytext", "text", "mediumtext", "longtext",
                            "tinyblob", "blob", "mediumblob", "longblob"})) {
        return std::nullopt;  // JSON, GEOMETRY, ENUM/SET, another family
      }
      const uint64_t source_bytes = source_max_bytes(source);
      if (source_bytes == 0 || target.max_bytes == 0) return std::nullopt;
      if (target.max_bytes >= source_bytes) return std::nullopt;
      // Characters: the target's bytes per character, from its declared
      // length (CHAR/VARCHAR(n) count characters; TEXT/BLOB bytes).
      uint64_t per_char = 1;
      std::vector<unsigned long> args = type_arguments(target.column_type);
      if (!args.empty() && args[0] > 0 && target.max_bytes % args[0] == 0) per_char = target.max_bytes / args[0];
      const uint64_t source_chars = (source_bytes + per_char - 1) / per_char;
      const uint64_t target_chars = target.max_bytes / per_char;
      if (target_chars < source_chars) return narrowed(source_type_name(source));
      return std::nullopt;
    }
    case ColumnType::kBit: {
      if (type != "bit") return std::nullopt;
      const unsigned source_bits = (source.meta >> 8) * 8 + (source.meta & 0xff);
      std::vector<unsigned long> args = type_arguments(target.column_type);
      const unsigned long target_bits = args.empty() ? 1 : args[0];
      if (source_bits > 0 && target_bits < source_bits) return narrowed(source_type_name(source));
      return std::nullopt;
    }
    case ColumnType::kTime2:
    case ColumnType::kDateTime2:
    case ColumnType::kTimestamp2: {
      if (!is_one_of(type, {"time", "datetime", "timestamp"})) return std::nullopt;
      std::vector<unsigned long> args = type_arguments(target.column_type);
      const unsigned long target_fsp = args.empty() ? 0 : args[0];
      if (target_fsp < source.fsp()) return narrowed(source_type_name(source));
      return std::nullopt;
    }
    default: return std::nullopt;
  }
}

void check_column_compatibility(const binlog::TableMap& map, const TableSchema& target) {
  const bool by_name = map.has_column_names;
  if (!by_name && map.columns.size() != target.columns.size()) return;  // the statement builder reports it
  std::string problems;
  for (size_t i = 0; i < map.columns.size(); ++i) {
    const binlog::ColumnInfo& source = map.columns[i];
    size_t t = by_name ? target.find_column(source.name) : i;
    if (t >= target.columns.size()) continue;
    if (auto why = column_narrowing(source, target.columns[t])) {
      if (!problems.empty()) problems += "; ";
      problems += fmt::format("column {} (#{}): {}", quote_identifier(target.columns[t].name), i + 1, *why);
    }
  }
  if (problems.empty()) return;
  throw_error(Error::Kind::kUnsupported,
              "table {} on the target cannot hold what the source writes ({}); nothing of it was applied — widen "
              "the target column(s) to the source's type (a native replica stops here with error 1677)",
              qualified_name(target.database, target.table), problems);
}

}  // namespace galaxis::sql
