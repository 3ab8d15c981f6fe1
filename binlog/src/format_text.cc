#include "galaxis/binlog/format_text.h"

#include <charconv>
#include <cstdio>
#include <string_view>
#include <type_traits>
#include <variant>

#include "format_common.h"
#include "galaxis/binlog/column_type.h"

namespace galaxis::binlog {
namespace {

using detail::append_int;

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

// Quoted string with backslash escapes for the quote, backslash and control
// bytes; everything else raw, as mariadb-binlog prints it.
void append_quoted(std::string& out, std::string_view bytes) {
  out.reserve(out.size() + bytes.size() + 2);
  out.push_back('\'');
  size_t run = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    const auto b = static_cast<uint8_t>(bytes[i]);
    if (b >= 0x20 && b != '\'' && b != '\\' && b != 0x7f) continue;
    out.append(bytes.substr(run, i - run));
    run = i + 1;
    switch (b) {
      case '\'': out.append("\\'"); break;
      case '\\': out.append("\\\\"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      case 0: out.append("\\0"); break;
      default: {
        static constexpr char kHex[] = "0123456789abcdef";
        out.append("\\x");
        out.push_back(kHex[b >> 4]);
        out.push_back(kHex[b & 15]);
      }
    }
  }
  out.append(bytes.substr(run));
  out.push_back('\'');
}

void append_hex(std::string& out, std::string_view bytes) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out.append("x'");
  for (const char ch : bytes) {
    const auto b = static_cast<uint8_t>(ch);
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  out.push_back('\'');
}

template <typename Float>
void append_float(std::string& out, Float value) {
  char buffer[40];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, result.ptr);
}

void append_identifier(std::string& out, std::string_view name) {
  out.push_back('`');
  for (const char ch : name) {
    if (ch == '`') out.push_back('`');
    out.push_back(ch);
  }
  out.push_back('`');
}

// SQL text as mariadb-binlog prints it: the statement, then the delimiter.
void append_statement(std::string& out, std::string_view sql) {
  out.append(sql);
  out.append("\n/*!*/;\n");
}

void append_image(std::string& out, const RowImage& image, const std::vector<bool>& present, const TableMap* table) {
  size_t value_index = 0;
  for (size_t column = 0; column < present.size() && value_index < image.size(); ++column) {
    if (!present[column]) continue;
    out.append("###   @");
    append_int(out, column + 1);
    out.push_back('=');
    append_value_text(image[value_index++], out);
    if (table != nullptr && column < table->columns.size() && !table->columns[column].name.empty()) {
      out.append(" /* ");
      out.append(table->columns[column].name);
      out.append(" */");
    }
    out.push_back('\n');
  }
  // Images without a bitmap (never produced by the decoder) still print.
  for (; value_index < image.size(); ++value_index) {
    out.append("###   @?=");
    append_value_text(image[value_index], out);
    out.push_back('\n');
  }
}

void append_rows(std::string& out, const RowsEvent& rows) {
  out.append(" table_id ");
  append_int(out, rows.table_id);
  if (rows.statement_end()) out.append(" flags STMT_END_F");
  out.push_back('\n');
  std::string qualified;
  const TableMap* table = rows.table.get();
  if (table != nullptr) {
    append_identifier(qualified, table->database);
    qualified.push_back('.');
    append_identifier(qualified, table->table);
  } else {
    qualified = "`?`.`?`";
  }
  for (const RowChange& change : rows.rows) {
    switch (rows.kind) {
      case RowsKind::kWrite:
        out.append("### INSERT INTO ").append(qualified).append("\n### SET\n");
        append_image(out, change.after, rows.columns_after, table);
        break;
      case RowsKind::kUpdate:
      case RowsKind::kPartialUpdate:
        out.append("### UPDATE ").append(qualified).append("\n### WHERE\n");
        append_image(out, change.before, rows.columns_before, table);
        out.append("### SET\n");
        append_image(out, change.after, rows.columns_after, table);
        break;
      case RowsKind::kDelete:
        out.append("### DELETE FROM ").append(qualified).append("\n### WHERE\n");
        append_image(out, change.before, rows.columns_before, table);
        break;
    }
  }
}

void append_table_map(std::string& out, const TableMap& map) {
  out.append(" table_id ");
  append_int(out, map.table_id);
  out.append(" (");
  out.append(map.database).append(".").append(map.table).append(")\n");
  out.append("# columns:");
  for (size_t i = 0; i < map.columns.size(); ++i) {
    const ColumnInfo& column = map.columns[i];
    out.append(i == 0 ? " " : ", ");
    out.push_back('@');
    append_int(out, i + 1);
    if (!column.name.empty()) out.append(" ").append(column.name);
    out.push_back(' ');
    out.append(column_type_name(column.real_type));
    if (column.is_unsigned.value_or(false)) out.append(" UNSIGNED");
    out.append("(meta=");
    append_int(out, column.meta);
    out.push_back(')');
    if (!column.nullable) out.append(" NOT NULL");
  }
  out.push_back('\n');
}

void append_body(std::string& out, const Event& event) {
  std::visit(
      Overloaded{
          [&](const OpaqueEvent& e) { out.append(e.known_type ? " (not interpreted)\n" : " (unknown event type)\n"); },
          [&](const FormatDescriptionEvent& e) {
            out.append(" binlog v ");
            append_int(out, e.binlog_version);
            out.append(", server v ").append(e.server_version);
            out.append(e.checksum == ChecksumAlgorithm::kCrc32 ? ", checksum crc32\n" : ", checksum none\n");
          },
          [&](const RotateEvent& e) {
            out.append(" to ").append(e.next_file).append("  pos: ");
            append_int(out, e.position);
            out.push_back('\n');
          },
          [&](const QueryEvent& e) {
            out.append(" thread_id=");
            append_int(out, e.thread_id);
            out.append(" exec_time=");
            append_int(out, e.exec_time);
            out.append(" error_code=");
            append_int(out, e.error_code);
            if (e.compressed) out.append(" compressed");
            out.push_back('\n');
            if (!e.database.empty()) {
              out.append("use ");
              append_identifier(out, e.database);
              out.append("/*!*/;\n");
            }
            append_statement(out, e.query);
          },
          [&](const XidEvent& e) {
            out.append(" xid=");
            append_int(out, e.xid);
            out.append("\nCOMMIT/*!*/;\n");
          },
          [&](const XaPrepareEvent& e) {
            out.append(e.one_phase ? " one_phase" : "");
            out.append(" XA PREPARE ");
            append_quoted(out, e.gtrid);
            out.push_back(',');
            append_quoted(out, e.bqual);
            out.push_back(',');
            append_int(out, e.format_id);
            out.push_back('\n');
          },
          [&](const GtidEvent& e) {
            out.append(" GTID ").append(e.anonymous ? std::string("ANONYMOUS") : e.to_string());
            if (e.last_committed) {
              out.append(" last_committed=");
              append_int(out, *e.last_committed);
            }
            if (e.sequence_number) {
              out.append(" sequence_number=");
              append_int(out, *e.sequence_number);
            }
            out.push_back('\n');
          },
          [&](const PreviousGtidsEvent& e) { out.append(" ").append(e.to_string()).push_back('\n'); },
          [&](const MariaGtidEvent& e) {
            out.append(" GTID ");
            append_int(out, e.domain_id);
            out.push_back('-');
            append_int(out, event.header.server_id);
            out.push_back('-');
            append_int(out, e.sequence);
            out.append(e.standalone() ? " standalone" : " trans");
            if (e.commit_id) {
              out.append(" cid=");
              append_int(out, *e.commit_id);
            }
            out.push_back('\n');
          },
          [&](const MariaGtidListEvent& e) {
            out.append(" [");
            for (size_t i = 0; i < e.gtids.size(); ++i) {
              if (i) out.push_back(',');
              append_int(out, e.gtids[i].domain_id);
              out.push_back('-');
              append_int(out, e.gtids[i].server_id);
              out.push_back('-');
              append_int(out, e.gtids[i].sequence);
            }
            out.append("]\n");
          },
          [&](const MariaBinlogCheckpointEvent& e) { out.append(" ").append(e.file).push_back('\n'); },
          [&](const AnnotateRowsEvent& e) { out.append("\n#Q> ").append(e.query).push_back('\n'); },
          [&](const RowsQueryEvent& e) { out.append("\n#Q> ").append(e.query).push_back('\n'); },
          [&](const HeartbeatEvent& e) {
            out.append(" ").append(e.log_file);
            if (e.log_position) {
              out.push_back(':');
              append_int(out, *e.log_position);
            }
            out.push_back('\n');
          },
          [&](const IncidentEvent& e) {
            out.append(" incident ");
            append_int(out, e.incident);
            out.append(" ").append(e.message).push_back('\n');
          },
          [&](const IntvarEvent& e) {
            out.append(e.kind == 1 ? " LAST_INSERT_ID=" : " INSERT_ID=");
            append_int(out, e.value);
            out.push_back('\n');
          },
          [&](const RandEvent& e) {
            out.append(" rand_seed1=");
            append_int(out, e.seed1);
            out.append(" rand_seed2=");
            append_int(out, e.seed2);
            out.push_back('\n');
          },
          [&](const UserVarEvent& e) {
            out.append(" @");
            append_identifier(out, e.name);
            out.push_back('=');
            if (e.is_null)
              out.append("NULL");
            else
              append_quoted(out, e.value);
            out.push_back('\n');
          },
          [&](const StopEvent&) { out.push_back('\n'); },
          [&](const StartEncryptionEvent& e) {
            out.append(" scheme ");
            append_int(out, e.scheme);
            out.append(" key_version ");
            append_int(out, e.key_version);
            out.push_back('\n');
          },
          [&](const TransactionPayloadEvent& e) {
            out.append(e.compression == 0 ? " compression zstd" : " compression none");
            out.append(" payload_size ");
            append_int(out, e.payload_size);
            out.append(" uncompressed_size ");
            append_int(out, e.uncompressed_size);
            out.push_back('\n');
          },
          [&](const std::shared_ptr<const TableMap>& map) {
            if (map)
              append_table_map(out, *map);
            else
              out.push_back('\n');
          },
          [&](const RowsEvent& rows) { append_rows(out, rows); },
      },
      event.body);
}

}  // namespace

void append_value_text(const Value& value, std::string& out) {
  std::visit(Overloaded{
                 [&](const Null&) { out.append("NULL"); },
                 [&](int64_t v) { append_int(out, v); },
                 [&](uint64_t v) { append_int(out, v); },
                 [&](float v) { append_float(out, v); },
                 [&](double v) { append_float(out, v); },
                 [&](const Decimal& v) { out.append(v.text); },
                 [&](const Year& v) { append_int(out, v.value); },
                 [&](const Date& v) {
                   out.push_back('\'');
                   detail::append_value_date(out, v);
                   out.push_back('\'');
                 },
                 [&](const Time& v) {
                   out.push_back('\'');
                   detail::append_value_time(out, v);
                   out.push_back('\'');
                 },
                 [&](const DateTime& v) {
                   out.push_back('\'');
                   detail::append_value_datetime(out, v);
                   out.push_back('\'');
                 },
                 [&](const Timestamp& v) {
                   out.push_back('\'');
                   detail::append_utc(out, v.seconds, v.micros, v.precision);
                   out.append("' /* UTC */");
                 },
                 [&](const Text& v) { append_quoted(out, v.bytes); },
                 [&](const Enum& v) { append_int(out, v.index); },
                 [&](const Set& v) { append_int(out, v.bits); },
                 [&](const Bit& v) {
                   out.append("b'");
                   const unsigned width = v.width == 0 ? 1 : (v.width > 64 ? 64 : v.width);
                   for (unsigned i = width; i-- > 0;) out.push_back((v.bits >> i) & 1 ? '1' : '0');
                   out.push_back('\'');
                 },
                 [&](const Json& v) { append_quoted(out, v.text); },
                 [&](const JsonDiff& v) {
                   out.append("JSON_DIFF(");
                   for (size_t i = 0; i < v.ops.size(); ++i) {
                     const JsonDiffOp& op = v.ops[i];
                     if (i) out.append(", ");
                     out.append(op.kind == JsonDiffOp::Kind::kReplace  ? "replace "
                                : op.kind == JsonDiffOp::Kind::kInsert ? "insert "
                                                                       : "remove ");
                     out.append(op.path);
                     if (op.kind != JsonDiffOp::Kind::kRemove) out.append(" ").append(op.value_json);
                   }
                   out.push_back(')');
                 },
                 [&](const Geometry& v) { append_hex(out, v.bytes); },
                 [&](const Vector& v) {
                   out.push_back('[');
                   for (size_t i = 0; i < v.values.size(); ++i) {
                     if (i) out.push_back(',');
                     append_float(out, v.values[i]);
                   }
                   out.push_back(']');
                 },
             },
             value);
}

void append_event_text(const Event& event, const EventLocation& where, std::string& out) {
  out.append("# at ");
  append_int(out, where.pos);
  if (where.in_payload) out.append(" (in transaction payload)");
  out.append("\n#");
  detail::append_utc(out, event.header.timestamp, 0, 0);
  out.append(" UTC server id ");
  append_int(out, event.header.server_id);
  out.append("  end_log_pos ");
  append_int(out, where.next_pos);
  out.append("  ");
  out.append(event_type_name(event.header.type_code));
  append_body(out, event);
}

}  // namespace galaxis::binlog
