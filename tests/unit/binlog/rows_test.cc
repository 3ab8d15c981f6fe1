// Row event byte literals: v0/v1/v2/partial updates, bitmaps, NULLs, errors.
#include <filesystem>
#include <map>
#include <regex>

#include "galaxis/binlog/decoder.h"
#include "galaxis/binlog/file_reader.h"
#include "mysqlbinlog_rows.h"
#include "row_test_util.h"

namespace galaxis::binlog::rowtest {
namespace {

// Table 42: (INT NOT NULL, VARCHAR(20) utf8mb4, JSON, INT UNSIGNED)
std::shared_ptr<const TableMap> test_table() {
  auto t = std::make_shared<TableMap>();
  t->table_id = 42;
  t->database = "db";
  t->table = "t";
  t->columns = {column(ColumnType::kLong, 0, false), column(ColumnType::kVarchar, 80, {}, ColumnType::kNull, 45),
                column(ColumnType::kJson, 4), column(ColumnType::kLong, 0, true)};
  t->columns[0].nullable = false;
  t->columns[1].name = "name";
  return t;
}

struct Fixture {
  std::shared_ptr<const TableMap> table = test_table();
  detail::TableLookup lookup = [this](uint64_t id) { return id == 42 ? table : nullptr; };
  FormatDescriptionEvent format = mysql_format();

  RowsEvent decode(uint8_t type, const Bytes& body, bool values = true) {
    ByteReader in(body, 200);
    RowsEvent ev = detail::decode_rows(in, type, format, lookup, values);
    EXPECT_TRUE(in.empty());
    return ev;
  }
};

Bytes head(uint64_t table_id, uint16_t flags) {
  Bytes b;
  append_le(b, table_id, 6);
  append_le(b, flags, 2);
  return b;
}

TEST(Rows, WriteV1TwoRowsWithNullsAndAbsentColumn) {
  Fixture f;
  Bytes b = head(42, 1);
  append(b, bytes({4, 0b1011}));  // columns 0, 1, 3 present
  // row 1: null bitmap over 3 present columns: none NULL; 7, "ab", 4294967295
  append(b, bytes({0x00, 7, 0, 0, 0, 2, 'a', 'b', 0xff, 0xff, 0xff, 0xff}));
  // row 2: column 1 (2nd present) NULL
  append(b, bytes({0x02, 8, 0, 0, 0, 0, 0, 0, 0}));
  const RowsEvent ev = f.decode(23, b);
  EXPECT_EQ(ev.kind, RowsKind::kWrite);
  EXPECT_EQ(ev.table_id, 42u);
  EXPECT_TRUE(ev.statement_end());
  EXPECT_EQ(ev.column_count, 4u);
  EXPECT_EQ(ev.columns_after, (std::vector<bool>{true, true, false, true}));
  EXPECT_TRUE(ev.columns_before.empty());
  EXPECT_EQ(ev.table, f.table);
  ASSERT_EQ(ev.rows.size(), 2u);
  EXPECT_EQ(ev.rows[0].after, (RowImage{int64_t{7}, Text{"ab", 45}, uint64_t{4294967295u}}));
  EXPECT_TRUE(ev.rows[0].before.empty());
  EXPECT_EQ(ev.rows[1].after, (RowImage{int64_t{8}, Null{}, uint64_t{0}}));
}

TEST(Rows, UpdateV2WithExtraInfoAndTwoBitmaps) {
  Fixture f;
  Bytes b = head(42, 0);
  // extra info: length 2 + NDB chunk (type 0, len 4, format, 2 bytes) + partition (type 1, 2 x u16)
  append(b, bytes({2 + 5 + 5, 0, 0, 4, 0, 0xaa, 0xbb, 1, 3, 0, 4, 0}));
  append(b, bytes({4, 0b1111, 0b0010}));                       // before: all, after: column 1
  append(b, bytes({0b0100, 1, 0, 0, 0, 1, 'x', 0, 0, 0, 0}));  // before: JSON NULL
  append(b, bytes({0, 1, 'y'}));                               // after: "y"
  const RowsEvent ev = f.decode(31, b);
  EXPECT_EQ(ev.kind, RowsKind::kUpdate);
  EXPECT_EQ(ev.columns_before, (std::vector<bool>{true, true, true, true}));
  EXPECT_EQ(ev.columns_after, (std::vector<bool>{false, true, false, false}));
  ASSERT_EQ(ev.rows.size(), 1u);
  EXPECT_EQ(ev.rows[0].before, (RowImage{int64_t{1}, Text{"x", 45}, Null{}, uint64_t{0}}));
  EXPECT_EQ(ev.rows[0].after, (RowImage{Text{"y", 45}}));
}

TEST(Rows, PreGaUpdateHasOneBitmapAndDeleteHasOnlyBefore) {
  Fixture f;
  Bytes b = head(42, 0);
  append(b, bytes({4, 0b0001}));
  append(b, bytes({1, 5, 0, 0, 0, 1, 6, 0, 0, 0}));  // pre-GA NULL bytes start with the X bit
  RowsEvent ev = f.decode(21, b);
  EXPECT_EQ(ev.columns_before, ev.columns_after);
  EXPECT_EQ(ev.rows.at(0).before, (RowImage{int64_t{5}}));
  EXPECT_EQ(ev.rows.at(0).after, (RowImage{int64_t{6}}));

  Bytes d = head(42, 0);
  append(d, bytes({4, 0b0001, 0, 9, 0, 0, 0}));
  ev = f.decode(25, d);
  EXPECT_EQ(ev.kind, RowsKind::kDelete);
  EXPECT_TRUE(ev.columns_after.empty());
  EXPECT_EQ(ev.rows.at(0).before, (RowImage{int64_t{9}}));
  EXPECT_TRUE(ev.rows.at(0).after.empty());
  // MariaDB compressed v1 delete (already inflated) decodes the same way
  EXPECT_EQ(f.decode(168, d).rows.at(0).before, (RowImage{int64_t{9}}));
}

TEST(Rows, PartialUpdateJsonDiffs) {
  Fixture f;
  Bytes b = head(42, 0);
  append(b, bytes({2, 0}));                   // v2 extra info: empty
  append(b, bytes({4, 0b0001, 0b0110}));      // before: id; after: name, JSON
  append(b, bytes({0, 1, 0, 0, 0}));          // before image: id 1
  append(b, bytes({1, 0b1}));                 // value options PARTIAL_JSON, the JSON column is partial
  append(b, bytes({0, 1, 'z', 9, 0, 0, 0}));  // after: "z", diff of 9 bytes
  append(b, bytes({0, 3, '$', '.', 'a', 3, 0x05, 42, 0}));
  const RowsEvent ev = f.decode(39, b);
  EXPECT_EQ(ev.kind, RowsKind::kPartialUpdate);
  ASSERT_EQ(ev.rows.size(), 1u);
  const JsonDiff want{{JsonDiffOp{JsonDiffOp::Kind::kReplace, "$.a", "42"}}};
  EXPECT_EQ(ev.rows[0].after, (RowImage{Text{"z", 45}, want}));

  // value options 0: the JSON after value is a whole document
  Bytes full = head(42, 0);
  append(full, bytes({2, 0, 4, 0b0001, 0b0100, 0, 1, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0x04, 0x01}));
  EXPECT_EQ(f.decode(39, full).rows.at(0).after, (RowImage{Json{"true"}}));
}

TEST(Rows, DecodeValuesFalseKeepsBitmapsOnly) {
  Fixture f;
  Bytes b = head(42, 0);
  append(b, bytes({4, 0b0001, 0, 5, 0, 0, 0}));
  const RowsEvent ev = f.decode(23, b, false);
  EXPECT_TRUE(ev.rows.empty());
  EXPECT_EQ(ev.columns_after, (std::vector<bool>{true, false, false, false}));
}

TEST(Rows, Errors) {
  Fixture f;
  Error::Kind kind{};
  Bytes b = head(7, 0);
  append(b, bytes({4, 0b0001, 0, 5, 0, 0, 0}));
  std::string e = error_of([&] { f.decode(23, b); }, &kind);
  EXPECT_EQ(kind, Error::Kind::kCorrupt);
  EXPECT_NE(e.find("table id 7"), std::string::npos) << e;
  EXPECT_NE(e.find("offset 200"), std::string::npos) << e;

  b = head(42, 0);
  append(b, bytes({9, 0xff, 0x01}));
  e = error_of([&] { f.decode(23, b); });
  EXPECT_NE(e.find("has 9 columns"), std::string::npos) << e;

  // truncated VARCHAR in row 2: names the row, the column and the offsets
  b = head(42, 0);
  append(b, bytes({4, 0b0011, 0, 1, 0, 0, 0, 0, 0, 2, 0, 0, 0, 5, 'a'}));
  e = error_of([&] { f.decode(23, b); });
  EXPECT_NE(e.find("row 2 at offset"), std::string::npos) << e;
  EXPECT_NE(e.find("db.t column 2 name (VARCHAR)"), std::string::npos) << e;
  EXPECT_NE(e.find("truncated VARCHAR value"), std::string::npos) << e;

  e = error_of([&] { f.decode(19, head(42, 0)); }, &kind);
  EXPECT_EQ(kind, Error::Kind::kUnsupported);

  // bad v2 extra-info length
  b = head(42, 0);
  append(b, bytes({1, 0}));
  e = error_of([&] { f.decode(30, b); });
  EXPECT_NE(e.find("extra row info length"), std::string::npos) << e;
}

TEST(Rows, PreGaImagesCarryTheRecordXBit) {
  Fixture f;
  Bytes b = head(42, 0);
  append(b, bytes({4, 0b0001}));
  append(b, bytes({0b00000001, 5, 0, 0, 0}));  // X bit only: column 0 (bit 1) not NULL
  append(b, bytes({0b11111101, 6, 0, 0, 0}));  // unused bits set, as 5.1 wrote them
  RowsEvent ev = f.decode(20, b);
  ASSERT_EQ(ev.rows.size(), 2u);
  EXPECT_EQ(ev.rows[0].after, (RowImage{int64_t{5}}));
  EXPECT_EQ(ev.rows[1].after, (RowImage{int64_t{6}}));
  Error::Kind kind{};
  Bytes no_x = head(42, 0);
  append(no_x, bytes({4, 0b0001, 0x00, 5, 0, 0, 0}));
  const std::string e = error_of([&] { f.decode(20, no_x); }, &kind);
  EXPECT_EQ(kind, Error::Kind::kUnsupported);
  EXPECT_NE(e.find("pre-GA row image"), std::string::npos) << e;
}

// MySQL 5.1.17 pre-GA events: the final t1 rows after replay are listed in
// mysql-test binlog_old_versions.result ("1 one" survives); the binlog's own
// statements say what each event did.
TEST(Rows, PreGaEventsOfMysql5117) {
  const std::string path =
      rows_corpus_dir() + "/debian-mariadb-test-data-10.11.19/suite_binlog_std_data/ver_5_1_17.001";
  ASSERT_TRUE(std::filesystem::exists(path)) << "binlog corpus missing: " << path;
  BinlogFileReader reader(path);
  Decoder decoder;
  std::vector<RowsEvent> events;
  while (auto raw = reader.next()) {
    Event e = decoder.decode(raw->bytes, raw->offset);
    if (auto* r = e.as<RowsEvent>()) events.push_back(*r);
  }
  ASSERT_EQ(events.size(), 3u);
  const Text one{"one", 0}, two{"two", 0};
  EXPECT_EQ(events[0].kind, RowsKind::kWrite);
  ASSERT_EQ(events[0].rows.size(), 2u);
  EXPECT_EQ(events[0].rows[0].after, (RowImage{int64_t{0}, one}));
  EXPECT_EQ(events[0].rows[1].after, (RowImage{int64_t{1}, two}));
  EXPECT_EQ(events[1].kind, RowsKind::kUpdate);
  ASSERT_EQ(events[1].rows.size(), 2u);
  EXPECT_EQ(events[1].rows[0].before, (RowImage{int64_t{0}, one}));
  EXPECT_EQ(events[1].rows[0].after, (RowImage{int64_t{1}, one}));
  EXPECT_EQ(events[1].rows[1].after, (RowImage{int64_t{2}, two}));
  EXPECT_EQ(events[2].kind, RowsKind::kDelete);
  EXPECT_EQ(events[2].rows.at(0).before, (RowImage{int64_t{2}, two}));
}

}  // namespace
}  // namespace galaxis::binlog::rowtest

namespace galaxis::binlog::rowtest {
namespace {

// MariaDB's pre-10.1 fractional temporals (mysql56_temporal_format=OFF) are
// logged as plain DATETIME/TIME/TIMESTAMP without metadata: refuse clearly at
// the first such value instead of decoding garbage.
TEST(Rows, MariadbOldFractionalTemporalsAreRefusedWithAHint) {
  const std::string path =
      std::string(GALAXIS_SOURCE_DIR) + "/tests/unit/binlog/data/mariadb-10.11-old-temporal.000001";
  BinlogFileReader reader(path);
  Decoder decoder;
  Error::Kind kind{};
  const std::string e = error_of(
      [&] {
        while (auto raw = reader.next()) decoder.decode(raw->bytes, raw->offset);
      },
      &kind);
  EXPECT_EQ(kind, Error::Kind::kCorrupt);
  EXPECT_NE(e.find("mysql56_temporal_format=OFF"), std::string::npos) << e;
  EXPECT_NE(e.find("oldt.t column 2 (DATETIME) value at offset 1172"), std::string::npos) << e;
}

}  // namespace
}  // namespace galaxis::binlog::rowtest

namespace galaxis::binlog::rowtest {
namespace {

// Damaged TABLE_MAP and row bodies from real binlogs (every column type of
// the MariaDB fixture, MySQL 9.7 JSON/VECTOR/partial JSON) must end in a
// galaxis::Error naming an offset, never a crash, hang or other exception.
// Most useful under -DGALAXIS_SANITIZE=ON.
TEST(RowDecoders, RejectDamageCleanly) {
  struct Body {
    uint8_t type;
    Bytes bytes;
  };
  std::vector<Body> bodies;
  std::map<uint64_t, std::shared_ptr<const TableMap>> tables;
  FormatDescriptionEvent format;
  for (const std::string& path :
       {std::string(GALAXIS_SOURCE_DIR) + "/tests/unit/binlog/data/mariadb-10.11-types.000001",
        rows_corpus_dir() + "/mysql-9.7-live/binlog.000001", rows_corpus_dir() + "/mysql-9.7-live/binlog.000002"}) {
    BinlogFileReader reader(path);
    Decoder decoder;
    while (auto raw = reader.next()) {
      Event e = decoder.decode(raw->bytes, raw->offset);
      const uint8_t type = raw->bytes[4];
      const size_t end = raw->bytes.size() - decoder.checksum_length();
      if (type == 19 || (type >= 23 && type <= 32) || type == 39) {
        bodies.push_back({type, Bytes(raw->bytes.begin() + kEventHeaderLength, raw->bytes.begin() + end)});
        if (auto* t = e.as<std::shared_ptr<const TableMap>>()) tables[(*t)->table_id] = *t;
      }
    }
    format = decoder.format();
  }
  ASSERT_GT(bodies.size(), 30u);
  detail::TableLookup lookup = [&](uint64_t id) -> std::shared_ptr<const TableMap> {
    auto it = tables.find(id);
    return it == tables.end() ? nullptr : it->second;
  };
  uint64_t state = 0x2545f4914f6cdd1dULL;
  auto rnd = [&] {
    state ^= state << 13, state ^= state >> 7, state ^= state << 17;
    return state;
  };
  const std::regex names_offset("offset [0-9]+");
  int rejected = 0, decoded = 0;
  for (int round = 0; round < 30000; ++round) {
    const Body& original = bodies[rnd() % bodies.size()];
    Bytes b = original.bytes;
    switch (rnd() % 4) {
      case 0:
        for (int k = 0; k < 1 + static_cast<int>(rnd() % 4); ++k) b[rnd() % b.size()] ^= 1u << (rnd() % 8);
        break;
      case 1: b.resize(rnd() % b.size()); break;
      case 2: b[rnd() % b.size()] = 0xff, b[rnd() % b.size()] = static_cast<uint8_t>(rnd()); break;
      case 3: b.insert(b.begin() + static_cast<long>(rnd() % b.size()), static_cast<uint8_t>(rnd())); break;
    }
    try {
      ByteReader in(b, 1000);
      if (original.type == 19)
        detail::decode_table_map(in, format);
      else
        detail::decode_rows(in, original.type, format, lookup, true);
      ++decoded;
    } catch (const Error& e) {
      ++rejected;
      ASSERT_TRUE(std::regex_search(e.what(), names_offset)) << "error without an offset: " << e.what();
    } catch (const std::exception& e) {
      FAIL() << "non-galaxis exception: " << e.what();
    }
  }
  EXPECT_GT(rejected, 1000);
  EXPECT_GT(decoded, 100);
}

}  // namespace
}  // namespace galaxis::binlog::rowtest
