#include "galaxis/binlog/format_json.h"

#include <nlohmann/json.hpp>

#include <string_view>
#include <variant>

#include "format_common.h"
#include "galaxis/binlog/column_type.h"
#include "galaxis/binlog/format_charset.h"

namespace galaxis::binlog {
namespace {

using detail::append_int;
using nlohmann::ordered_json;

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

// {"base64":"..."}
ordered_json base64_object(std::string_view bytes) {
  std::string encoded;
  detail::append_base64(encoded, bytes);
  return ordered_json{{"base64", std::move(encoded)}};
}

// Free text from the server (SQL, names): a string when it is UTF-8, else base64.
ordered_json text_or_base64(std::string_view bytes) {
  if (is_valid_utf8(bytes)) return ordered_json(std::string(bytes));
  return base64_object(bytes);
}

}  // namespace

struct JsonFormatter::Impl {
  using Serializer = nlohmann::detail::serializer<ordered_json>;

  Utf8Converter converter;
  std::string scratch;
  // One nlohmann serializer for the formatter's lifetime (constructing one
  // per value costs a localeconv() call and an allocation), writing into
  // `serialized`, which dump() then appends to the caller's buffer.
  std::string serialized;
  std::string file_name, file_json;  // the last file name and its JSON form
  Serializer serializer{nlohmann::detail::output_adapter<char>(serialized), ' ',
                        nlohmann::json::error_handler_t::replace};

  // Serializes `value` with nlohmann's serializer onto the end of `out`.
  void dump(const ordered_json& value, std::string& out) {
    serialized.clear();
    serializer.dump(value, false, false, 0);
    out.append(serialized);
  }

  // A quoted string whose characters need no escaping (dates, digits).
  static void append_plain_string(std::string& out, const std::string& text) {
    out.push_back('"');
    out.append(text);
    out.push_back('"');
  }

  // A decoded JSON document: embedded as is when it parses, else as a string.
  void append_json_document(std::string& out, const std::string& text) {
    if (!text.empty() && ordered_json::accept(text))
      out.append(text);
    else
      dump(ordered_json(text), out);
  }

  void append_value(const Value& value, std::string& out) {
    std::visit(Overloaded{
                   [&](const Null&) { out.append("null"); },
                   [&](int64_t v) { append_int(out, v); },
                   [&](uint64_t v) { append_int(out, v); },
                   [&](float v) { dump(ordered_json(detail::float_as_shortest_double(v)), out); },
                   [&](double v) { dump(ordered_json(v), out); },
                   [&](const Decimal& v) { dump(ordered_json(v.text), out); },
                   [&](const Year& v) { append_int(out, v.value); },
                   [&](const Date& v) {
                     scratch.clear();
                     detail::append_value_date(scratch, v);
                     append_plain_string(out, scratch);
                   },
                   [&](const Time& v) {
                     scratch.clear();
                     detail::append_value_time(scratch, v);
                     append_plain_string(out, scratch);
                   },
                   [&](const DateTime& v) {
                     scratch.clear();
                     detail::append_value_datetime(scratch, v);
                     append_plain_string(out, scratch);
                   },
                   [&](const Timestamp& v) {
                     scratch.clear();
                     detail::append_utc(scratch, v.seconds, v.micros, v.precision);
                     append_plain_string(out, scratch);
                   },
                   [&](const Text& v) {
                     scratch.clear();
                     if (converter.append_utf8(v.bytes, v.collation, scratch))
                       dump(ordered_json(scratch), out);
                     else
                       dump(base64_object(v.bytes), out);
                   },
                   [&](const Enum& v) { append_int(out, v.index); },
                   [&](const Set& v) { append_int(out, v.bits); },
                   [&](const Bit& v) { append_int(out, v.bits); },
                   [&](const Json& v) { append_json_document(out, v.text); },
                   [&](const JsonDiff& v) {
                     out.push_back('[');
                     for (size_t i = 0; i < v.ops.size(); ++i) {
                       const JsonDiffOp& op = v.ops[i];
                       if (i) out.push_back(',');
                       out.append(op.kind == JsonDiffOp::Kind::kReplace  ? R"({"op":"replace","path":)"
                                  : op.kind == JsonDiffOp::Kind::kInsert ? R"({"op":"insert","path":)"
                                                                         : R"({"op":"remove","path":)");
                       dump(ordered_json(op.path), out);
                       if (op.kind != JsonDiffOp::Kind::kRemove) {
                         out.append(R"(,"value":)");
                         append_json_document(out, op.value_json);
                       }
                       out.push_back('}');
                     }
                     out.push_back(']');
                   },
                   [&](const Geometry& v) { dump(base64_object(v.bytes), out); },
                   [&](const Vector& v) {
                     out.push_back('[');
                     for (size_t i = 0; i < v.values.size(); ++i) {
                       if (i) out.push_back(',');
                       dump(ordered_json(detail::float_as_shortest_double(v.values[i])), out);
                     }
                     out.push_back(']');
                   },
               },
               value);
  }

  void append_image(const RowImage& image, std::string& out) {
    out.push_back('[');
    for (size_t i = 0; i < image.size(); ++i) {
      if (i) out.push_back(',');
      append_value(image[i], out);
    }
    out.push_back(']');
  }

  void append_rows(const RowsEvent& rows, std::string& out) {
    out.append(R"(,"rows":[)");
    for (size_t i = 0; i < rows.rows.size(); ++i) {
      const RowChange& change = rows.rows[i];
      if (i) out.push_back(',');
      out.push_back('{');
      switch (rows.kind) {
        case RowsKind::kWrite:
          out.append(R"("after":)");
          append_image(change.after, out);
          break;
        case RowsKind::kUpdate:
        case RowsKind::kPartialUpdate:
          out.append(R"("before":)");
          append_image(change.before, out);
          out.append(R"(,"after":)");
          append_image(change.after, out);
          break;
        case RowsKind::kDelete:
          out.append(R"("before":)");
          append_image(change.before, out);
          break;
      }
      out.push_back('}');
    }
    out.append("]}");
  }
};

namespace {

ordered_json table_map_columns(const TableMap& map) {
  ordered_json columns = ordered_json::array();
  for (const ColumnInfo& column : map.columns) {
    ordered_json c;
    if (!column.name.empty()) c["name"] = text_or_base64(column.name);
    c["type"] = std::string(column_type_name(column.real_type));
    c["meta"] = column.meta;
    c["nullable"] = column.nullable;
    if (column.is_unsigned) c["unsigned"] = *column.is_unsigned;
    if (column.collation != 0) {
      c["collation"] = column.collation;
      c["charset"] = std::string(charset_name(collation_charset(column.collation)));
    }
    if (!column.enum_values.empty()) {
      ordered_json values = ordered_json::array();
      for (const auto& v : column.enum_values) values.push_back(text_or_base64(v));
      c["enum_values"] = std::move(values);
    }
    if (!column.set_values.empty()) {
      ordered_json values = ordered_json::array();
      for (const auto& v : column.set_values) values.push_back(text_or_base64(v));
      c["set_values"] = std::move(values);
    }
    if (!column.visible) c["visible"] = false;
    columns.push_back(std::move(c));
  }
  return columns;
}

// Adds the fields of one event body to `j`.
void add_body_fields(const Event& event, ordered_json& j) {
  std::visit(Overloaded{
                 [&](const OpaqueEvent& e) { j["known_type"] = e.known_type; },
                 [&](const FormatDescriptionEvent& e) {
                   j["binlog_version"] = e.binlog_version;
                   j["server_version"] = text_or_base64(e.server_version);
                   j["checksum"] = e.checksum == ChecksumAlgorithm::kCrc32 ? "crc32" : "none";
                 },
                 [&](const RotateEvent& e) {
                   j["next_file"] = text_or_base64(e.next_file);
                   j["position"] = e.position;
                 },
                 [&](const QueryEvent& e) {
                   j["thread_id"] = e.thread_id;
                   j["exec_time"] = e.exec_time;
                   j["error_code"] = e.error_code;
                   j["db"] = text_or_base64(e.database);
                   j["sql"] = text_or_base64(e.query);
                   if (e.sql_mode) j["sql_mode"] = *e.sql_mode;
                   if (e.charset) j["charset"] = {(*e.charset)[0], (*e.charset)[1], (*e.charset)[2]};
                   if (!e.time_zone.empty()) j["time_zone"] = text_or_base64(e.time_zone);
                   if (e.flags2) j["flags2"] = *e.flags2;
                   if (e.compressed) j["compressed"] = true;
                 },
                 [&](const XidEvent& e) { j["xid"] = e.xid; },
                 [&](const XaPrepareEvent& e) {
                   j["one_phase"] = e.one_phase;
                   j["format_id"] = e.format_id;
                   j["gtrid"] = text_or_base64(e.gtrid);
                   j["bqual"] = text_or_base64(e.bqual);
                 },
                 [&](const GtidEvent& e) {
                   if (e.anonymous)
                     j["anonymous"] = true;
                   else
                     j["gtid"] = e.to_string();
                   if (e.last_committed) j["last_committed"] = *e.last_committed;
                   if (e.sequence_number) j["sequence_number"] = *e.sequence_number;
                   if (e.immediate_commit_timestamp) j["immediate_commit_timestamp"] = *e.immediate_commit_timestamp;
                   if (e.original_commit_timestamp) j["original_commit_timestamp"] = *e.original_commit_timestamp;
                   if (e.transaction_length) j["transaction_length"] = *e.transaction_length;
                 },
                 [&](const PreviousGtidsEvent& e) { j["gtids"] = e.to_string(); },
                 [&](const MariaGtidEvent& e) {
                   j["gtid"] = std::to_string(e.domain_id) + "-" + std::to_string(event.header.server_id) + "-" +
                               std::to_string(e.sequence);
                   j["domain_id"] = e.domain_id;
                   j["sequence"] = e.sequence;
                   j["standalone"] = e.standalone();
                   j["flags"] = e.flags;
                   if (e.commit_id) j["commit_id"] = *e.commit_id;
                   if (!e.xa_xid.empty()) j["xa_xid"] = text_or_base64(e.xa_xid);
                 },
                 [&](const MariaGtidListEvent& e) {
                   std::string list;
                   for (const MariaGtid& g : e.gtids) {
                     if (!list.empty()) list.push_back(',');
                     list += std::to_string(g.domain_id) + "-" + std::to_string(g.server_id) + "-" +
                             std::to_string(g.sequence);
                   }
                   j["gtids"] = list;
                 },
                 [&](const MariaBinlogCheckpointEvent& e) { j["checkpoint_file"] = text_or_base64(e.file); },
                 [&](const AnnotateRowsEvent& e) { j["sql"] = text_or_base64(e.query); },
                 [&](const RowsQueryEvent& e) { j["sql"] = text_or_base64(e.query); },
                 [&](const HeartbeatEvent& e) {
                   j["log_file"] = text_or_base64(e.log_file);
                   if (e.log_position) j["log_position"] = *e.log_position;
                 },
                 [&](const IncidentEvent& e) {
                   j["incident"] = e.incident;
                   j["message"] = text_or_base64(e.message);
                 },
                 [&](const IntvarEvent& e) {
                   j["kind"] = e.kind == 1 ? "LAST_INSERT_ID" : e.kind == 2 ? "INSERT_ID" : "unknown";
                   j["value"] = e.value;
                 },
                 [&](const RandEvent& e) {
                   j["seed1"] = e.seed1;
                   j["seed2"] = e.seed2;
                 },
                 [&](const UserVarEvent& e) {
                   j["name"] = text_or_base64(e.name);
                   if (e.is_null) {
                     j["value"] = nullptr;
                   } else {
                     j["value_type"] = e.value_type;
                     j["charset"] = e.charset;
                     j["value"] = base64_object(e.value);
                   }
                 },
                 [&](const StopEvent&) {},
                 [&](const StartEncryptionEvent& e) {
                   j["scheme"] = e.scheme;
                   j["key_version"] = e.key_version;
                 },
                 [&](const TransactionPayloadEvent& e) {
                   j["compression"] = e.compression == 0 ? "zstd" : e.compression == 255 ? "none" : "unknown";
                   j["payload_size"] = e.payload_size;
                   j["uncompressed_size"] = e.uncompressed_size;
                 },
                 [&](const std::shared_ptr<const TableMap>& map) {
                   if (!map) return;
                   j["table_id"] = map->table_id;
                   j["db"] = text_or_base64(map->database);
                   j["table"] = text_or_base64(map->table);
                   j["columns"] = table_map_columns(*map);
                   if (!map->primary_key.empty()) j["primary_key"] = map->primary_key;
                 },
                 [&](const RowsEvent& rows) {
                   j["table_id"] = rows.table_id;
                   if (rows.table) {
                     j["db"] = text_or_base64(rows.table->database);
                     j["table"] = text_or_base64(rows.table->table);
                   }
                   j["flags"] = rows.flags;
                   // MariaDB *_ROWS_COMPRESSED events share their type names with the plain ones.
                   if (event.header.type_code >= 166 && event.header.type_code <= 171) j["compressed"] = true;
                 },
             },
             event.body);
}

}  // namespace

JsonFormatter::JsonFormatter() : impl_(std::make_unique<Impl>()) {}
JsonFormatter::~JsonFormatter() = default;

void JsonFormatter::append_value(const Value& value, std::string& out) { impl_->append_value(value, out); }

void JsonFormatter::append_event(const Event& event, const EventLocation& where, std::string& out) {
  Impl& impl = *impl_;
  // The fixed keys come first, in the documented order. Their values are
  // integers, the file name (serialized by nlohmann once per file) and the
  // type name ([a-z0-9_] only), so they are written directly: this runs for
  // every event and building a JSON object for it dominated the cost.
  if (where.file != impl.file_name || impl.file_json.empty()) {
    impl.file_name = std::string(where.file);
    impl.file_json.clear();
    impl.dump(text_or_base64(where.file), impl.file_json);
  }
  out.append(R"({"file":)").append(impl.file_json);
  out.append(R"(,"pos":)");
  append_int(out, where.pos);
  out.append(R"(,"next_pos":)");
  append_int(out, where.next_pos);
  out.append(R"(,"type":")").append(event_type_name(event.header.type_code)).push_back('"');
  out.append(R"(,"ts":)");
  append_int(out, event.header.timestamp);
  out.append(R"(,"server_id":)");
  append_int(out, event.header.server_id);
  if (where.in_payload) out.append(R"(,"in_payload":true)");

  ordered_json body = ordered_json::object();
  add_body_fields(event, body);
  if (!body.empty()) {
    impl.scratch.clear();
    impl.dump(body, impl.scratch);  // "{...}": splice its members in
    out.push_back(',');
    out.append(impl.scratch, 1, impl.scratch.size() - 2);
  }
  if (const auto* rows = event.as<RowsEvent>())
    impl.append_rows(*rows, out);  // closes the object
  else
    out.push_back('}');
  out.push_back('\n');
}

}  // namespace galaxis::binlog
