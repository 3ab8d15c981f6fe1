// Event-level robustness of row events as the Decoder dispatches them:
// damaged row bodies must end in Error(kCorrupt), never a hang or crash.
// (Row value decoding itself is tested beside rows.cc.)
#include <gtest/gtest.h>
#include <unistd.h>

#include "binlog_test_util.h"

namespace galaxis::binlog {
namespace {

using namespace testing;

Decoder with_int_table() {
  Decoder d(DecoderOptions{.source_name = "binlog.000005"});
  d.decode(make_fde(), 4);
  Bytes tm;
  put_le(tm, 42, 6), put_le(tm, 1, 2);
  tm.push_back(2), put_str(tm, "db"), tm.push_back(0);
  tm.push_back(1), put_str(tm, "t"), tm.push_back(0);
  tm.push_back(2), tm.push_back(3), tm.push_back(3);  // two LONG columns
  tm.push_back(0);                                    // no metadata
  tm.push_back(0x03);                                 // both nullable
  d.decode(make_event(19, tm, true, 400), 400);
  return d;
}

TEST(RowsDispatch, WriteRowsV2DecodesThroughTheTableMap) {
  Decoder d = with_int_table();
  Bytes w;
  put_le(w, 42, 6), put_le(w, 1, 2), put_le(w, 2, 2);
  w.push_back(2), w.push_back(0x03);
  w.push_back(0x00), put_le(w, 7, 4), put_le(w, static_cast<uint32_t>(-8), 4);
  const auto r = decode_as<RowsEvent>(d, make_event(30, w, true, 500), 500);
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0].after, (RowImage{int64_t{7}, int64_t{-8}}));
  EXPECT_TRUE(r.statement_end());
  EXPECT_EQ(d.table(42)->table, "t");
}

TEST(RowsDispatch, UnknownTableIdIsAnError) {
  Decoder d = with_int_table();
  Bytes w;
  put_le(w, 43, 6), put_le(w, 1, 2), put_le(w, 2, 2);
  w.push_back(2), w.push_back(0x03), w.push_back(0), put_le(w, 1, 8);
  try {
    d.decode(make_event(30, w, true, 500), 500);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("binlog.000005: write_rows event (type 30) at offset 500"), std::string::npos)
        << e.what();
  }
}

TEST(RowsDispatch, RotateForgetsTableMaps) {
  Decoder d = with_int_table();
  ASSERT_NE(d.table(42), nullptr);
  Bytes r;
  put_le(r, 4, 8), put_str(r, "binlog.000006");
  d.decode(make_event(4, r, true, 600), 600);
  EXPECT_EQ(d.table(42), nullptr);
}

// A columns-present bitmap with no bit set makes every row image empty; a
// decoder that loops "while bytes remain" then never advances. Run in a
// child with an alarm so a hang fails instead of blocking the suite.
void decode_rows_without_present_columns() {
  ::alarm(10);
  Decoder d = with_int_table();
  Bytes w;
  put_le(w, 42, 6), put_le(w, 1, 2);
  w.push_back(2), w.push_back(0x00);                        // no column present
  w.push_back(0x00), w.push_back(0x00), w.push_back(0x00);  // leftover bytes
  try {
    d.decode(make_event(23, w, true, 500), 500);
    std::fprintf(stderr, "decoded\n");
  } catch (const Error& e) {
    std::fprintf(stderr, "rejected: %s\n", e.what());
  }
  std::_Exit(0);
}

TEST(RowsDispatch, NoPresentColumnsDoesNotHang) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(decode_rows_without_present_columns(), ::testing::ExitedWithCode(0), "decoded|rejected");
}

}  // namespace
}  // namespace galaxis::binlog
