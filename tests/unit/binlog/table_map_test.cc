// TABLE_MAP byte literals and the optional metadata of real binlogs.
#include "galaxis/binlog/decoder.h"
#include "galaxis/binlog/file_reader.h"
#include "mysqlbinlog_rows.h"
#include "row_test_util.h"

namespace galaxis::binlog::rowtest {
namespace {

// Post-header (table id 6 bytes + flags) and names for table db.t.
Bytes table_map_head(uint64_t table_id = 0x123456789a, size_t id_bytes = 6) {
  Bytes b;
  append_le(b, table_id, id_bytes);
  append_le(b, 1, 2);
  append(b, bytes({2, 'd', 'b', 0, 1, 't', 0}));
  return b;
}

std::shared_ptr<TableMap> decode_map(const Bytes& b, const FormatDescriptionEvent& f = mysql_format()) {
  ByteReader in(b, 100);
  auto t = detail::decode_table_map(in, f);
  EXPECT_TRUE(in.empty());
  return t;
}

TEST(TableMap, EveryMetadataLayout) {
  Bytes b = table_map_head();
  const Bytes types = bytes({0x03, 0x0f, 0xf6, 0xfe, 0xfe, 0xfe, 0x10, 0x12, 0xfc, 0x04, 0xf5, 0xf2, 0xff, 0x01});
  b.push_back(static_cast<uint8_t>(types.size()));
  append(b, types);
  const Bytes meta = bytes({
      0x2c, 0x01,  // VARCHAR(300 bytes) little-endian
      12, 4,       // DECIMAL(12,4)
      0xf7, 0x01,  // ENUM, 1 byte
      0xf8, 0x02,  // SET, 2 bytes
      0xce, 0xfc,  // CHAR(255) utf8mb4: 1020 bytes
      0x02, 0x01,  // BIT(10)
      6,           // DATETIME2(6)
      3,           // BLOB with 3 length bytes (MEDIUMBLOB)
      4,           // FLOAT
      4,           // JSON
      4,           // VECTOR
      4,           // GEOMETRY
  });
  b.push_back(static_cast<uint8_t>(meta.size()));
  append(b, meta);
  append(b, bytes({0xfe, 0x3f}));  // null bits: column 0 NOT NULL
  const auto t = decode_map(b);
  EXPECT_EQ(t->table_id, 0x123456789aULL);
  EXPECT_EQ(t->flags, 1);
  EXPECT_EQ(t->database, "db");
  EXPECT_EQ(t->table, "t");
  ASSERT_EQ(t->columns.size(), 14u);
  const auto& c = t->columns;
  EXPECT_FALSE(c[0].nullable);
  EXPECT_TRUE(c[1].nullable);
  EXPECT_EQ(c[1].meta, 300);
  EXPECT_EQ(c[2].meta, (12 << 8) | 4);
  EXPECT_EQ(c[3].real_type, ColumnType::kEnum);
  EXPECT_EQ(c[3].meta & 0xff, 1);
  EXPECT_EQ(c[4].real_type, ColumnType::kSet);
  EXPECT_EQ(c[5].real_type, ColumnType::kString);
  EXPECT_EQ(detail::string_max_length(c[5]), 1020u);
  EXPECT_EQ(c[6].meta, 0x0102);
  EXPECT_EQ(c[7].fsp(), 6u);
  EXPECT_EQ(c[8].meta, 3);
  EXPECT_EQ(c[11].meta, 4);
  EXPECT_EQ(c[13].meta, 0);  // TINY has no metadata
  EXPECT_FALSE(c[0].is_unsigned.has_value());
  EXPECT_FALSE(t->has_signedness);
}

TEST(TableMap, FourByteTableIdWhenPostHeaderIsSix) {
  FormatDescriptionEvent f = mysql_format();
  f.post_header_lengths[19 - 1] = 6;
  Bytes b = table_map_head(77, 4);
  append(b, bytes({1, 0x03, 0, 0}));
  EXPECT_EQ(decode_map(b, f)->table_id, 77u);
}

// A table map with columns (INT, YEAR, INT, VARCHAR, BLOB, ENUM, VECTOR, GEOMETRY) and the given TLVs.
Bytes map_with_tlvs(const Bytes& tlvs) {
  Bytes b = table_map_head();
  append(b, bytes({8, 0x03, 0x0d, 0x03, 0x0f, 0xfc, 0xfe, 0xf2, 0xff}));
  append(b, bytes({7, 10, 0, 2, 0xf7, 1, 4, 4}));
  append(b, bytes({0xff}));
  append(b, tlvs);
  return b;
}

TEST(TableMap, OptionalMetadataFields) {
  Bytes tlv;
  append(tlv, bytes({1, 1, 0b01100000}));  // SIGNEDNESS: INT signed, YEAR unsigned, INT unsigned
  append(tlv, bytes({2, 3, 45, 1, 63}));   // DEFAULT_CHARSET 45, char column #1 (BLOB) binary
  append(tlv, bytes({4, 17, 1, 'a', 1, 'y', 1, 'b', 1, 'v', 2, 'b', 'l', 1, 'e', 1, 'w', 1, 'g'}));
  append(tlv, bytes({6, 5, 2, 1, 'x', 1, 'z'}));  // ENUM_STR_VALUE
  append(tlv, bytes({7, 1, 1}));                  // GEOMETRY_TYPE point
  append(tlv, bytes({9, 4, 2, 0, 0, 0}));         // PK (col 2, prefix 0), (col 0)
  append(tlv, bytes({10, 1, 33}));                // ENUM_AND_SET_DEFAULT_CHARSET
  append(tlv, bytes({12, 1, 0b11011111}));        // COLUMN_VISIBILITY: col 2 invisible
  append(tlv, bytes({99, 3, 1, 2, 3}));           // unknown: skipped by length
  const auto t = decode_map(map_with_tlvs(tlv));
  const auto& c = t->columns;
  EXPECT_TRUE(t->has_signedness);
  EXPECT_EQ(c[0].is_unsigned, false);
  EXPECT_EQ(c[1].is_unsigned, true);
  EXPECT_EQ(c[2].is_unsigned, true);
  EXPECT_FALSE(c[3].is_unsigned.has_value());
  EXPECT_TRUE(t->has_charsets);
  EXPECT_EQ(c[3].collation, 45);
  EXPECT_EQ(c[4].collation, 63);
  EXPECT_EQ(c[6].collation, 45);  // VECTOR counts as a character column on MySQL
  EXPECT_EQ(c[7].collation, 0);   // GEOMETRY does not (MySQL)
  EXPECT_EQ(c[5].collation, 33);
  EXPECT_TRUE(t->has_column_names);
  EXPECT_EQ(c[4].name, "bl");
  EXPECT_EQ(c[5].enum_values, (std::vector<std::string>{"x", "z"}));
  EXPECT_EQ(c[7].geometry_type, 1u);
  EXPECT_EQ(t->primary_key, (std::vector<uint32_t>{2, 0}));
  EXPECT_FALSE(c[2].visible);
  EXPECT_TRUE(c[3].visible);
}

TEST(TableMap, MariadbCountsGeometryAsCharacterColumn) {
  const auto t = decode_map(map_with_tlvs(bytes({3, 4, 8, 63, 63, 8})), mariadb_format());
  EXPECT_EQ(t->columns[3].collation, 8);
  EXPECT_EQ(t->columns[4].collation, 63);
  EXPECT_EQ(t->columns[6].collation, 0);  // VECTOR is MySQL-only
  EXPECT_EQ(t->columns[7].collation, 63);
}

TEST(TableMap, CorruptInputNamesTheOffset) {
  // metadata block longer than the column types use
  Bytes b = table_map_head();
  append(b, bytes({1, 0x03, 2, 0, 0, 0}));
  std::string e = error_of([&] { decode_map(b); });
  EXPECT_NE(e.find("column metadata block at offset"), std::string::npos) << e;
  // truncated before the column types
  b = table_map_head();
  append(b, bytes({5, 0x03}));
  e = error_of([&] { decode_map(b); });
  EXPECT_NE(e.find("truncated column types"), std::string::npos) << e;
  // charset index out of range
  e = error_of([] { decode_map(map_with_tlvs(bytes({2, 2, 45, 9}))); });
  EXPECT_NE(e.find("optional metadata field 2 at offset"), std::string::npos) << e;
  // TLV length past the end
  e = error_of([] { decode_map(map_with_tlvs(bytes({4, 50, 1, 'a'}))); });
  EXPECT_NE(e.find("truncated optional metadata value"), std::string::npos) << e;
  // column name length past its TLV
  e = error_of([] { decode_map(map_with_tlvs(bytes({4, 2, 5, 'a'}))); });
  EXPECT_NE(e.find("column name"), std::string::npos) << e;
  // primary key naming a missing column
  e = error_of([] { decode_map(map_with_tlvs(bytes({8, 1, 30}))); });
  EXPECT_NE(e.find("primary key names column 30"), std::string::npos) << e;
  // zero columns
  b = table_map_head();
  append(b, bytes({0}));
  e = error_of([&] { decode_map(b); });
  EXPECT_NE(e.find("invalid column count 0"), std::string::npos) << e;
}

std::vector<std::shared_ptr<const TableMap>> table_maps_of(const std::string& path) {
  std::vector<std::shared_ptr<const TableMap>> out;
  BinlogFileReader reader(path);
  Decoder decoder;
  while (auto raw = reader.next()) {
    Event e = decoder.decode(raw->bytes, raw->offset);
    if (auto* t = e.as<std::shared_ptr<const TableMap>>()) out.push_back(*t);
  }
  return out;
}

TEST(TableMap, Mariadb1011SignednessWithYearAndCharsetsMatchTheDdl) {
  const auto maps =
      table_maps_of(std::string(GALAXIS_SOURCE_DIR) + "/tests/unit/binlog/data/mariadb-10.11-types.000001");
  ASSERT_FALSE(maps.empty());
  const TableMap& t_int = *maps[0];
  ASSERT_EQ(t_int.table, "t_int");
  // id y ti tu si su mi mu i iu bi bu f d fu
  const std::vector<bool> want = {false, true, false, true, false, true,  false, true,
                                  false, true, false, true, false, false, true};
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(t_int.columns[i].is_unsigned, want[i]) << t_int.columns[i].name;
  for (const auto& m : maps) {
    if (m->table != "t_str") continue;
    std::map<std::string, uint16_t> coll;
    for (const auto& c : m->columns) coll[c.name] = c.collation;
    EXPECT_EQ(coll["c10"], 8);  // latin1_swedish_ci
    EXPECT_EQ(coll["vc"], 45);  // utf8mb4_general_ci
    EXPECT_EQ(coll["b4"], 63);  // BINARY
    EXPECT_EQ(coll["bl"], 63);  // BLOB
    EXPECT_EQ(coll["e"], 8);    // ENUM via ENUM_AND_SET charset
    EXPECT_EQ(m->columns[15].enum_values, (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_EQ(m->columns[16].set_values.size(), 9u);
    EXPECT_EQ(m->primary_key, (std::vector<uint32_t>{0}));
  }
}

TEST(TableMap, Mysql97FullMetadata) {
  const auto maps = table_maps_of(rows_corpus_dir() + "/mysql-9.7-live/binlog.000002");
  ASSERT_FALSE(maps.empty());
  const TableMap& t = *maps[0];
  EXPECT_EQ(t.columns[2].name, "ub");
  EXPECT_EQ(t.columns[2].is_unsigned, true);
  EXPECT_EQ(t.columns[15].is_unsigned, true);  // YEAR
  EXPECT_EQ(t.columns[7].collation, 255);      // vc utf8mb4_0900_ai_ci
  EXPECT_EQ(t.columns[8].collation, 63);       // b BLOB
  EXPECT_EQ(t.columns[10].enum_values, (std::vector<std::string>{"red", "green", "blue"}));
  EXPECT_EQ(t.columns[11].set_values, (std::vector<std::string>{"x", "y", "z"}));
  EXPECT_EQ(t.primary_key, (std::vector<uint32_t>{0}));
}

}  // namespace
}  // namespace galaxis::binlog::rowtest
