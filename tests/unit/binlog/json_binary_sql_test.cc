// MySQL binary JSON whose text loses a type (DECIMAL, DATE/TIME/DATETIME,
// unsigned integers): the decoder adds an SQL expression that builds the
// exact document (Json::sql); documents the text reproduces get none.
#include "row_test_util.h"

namespace galaxis::binlog::rowtest {
namespace {

Json decode_json(const Bytes& doc) {
  Bytes b;
  append_le(b, doc.size(), 4);
  append(b, doc);
  return std::get<Json>(decode(b, column(ColumnType::kJson, 4)));
}

Bytes le64(uint64_t v) {
  Bytes b;
  append_le(b, v, 8);
  return b;
}

TEST(JsonBinarySql, ExactTextNeedsNoExpression) {
  // Signed integers, doubles and big unsigned integers read back from the text as they were.
  Bytes d = bytes({0x0b});
  append(d, le64(0x4004000000000000ULL));  // 2.5
  EXPECT_EQ(decode_json(d).sql, "");
  EXPECT_EQ(decode_json(bytes({0x05, 0xff, 0xff})).sql, "");  // int16 -1
  Bytes u64 = bytes({0x0a});
  append(u64, le64(~uint64_t{0}));
  EXPECT_EQ(decode_json(u64).sql, "");  // above INT64_MAX: the text reads back as unsigned
}

TEST(JsonBinarySql, ScalarsKeepTheirType) {
  // DECIMAL(4,2) 1.05 at the top: a scalar, wrapped so the SQL value becomes JSON.
  const Json dec = decode_json(bytes({0x0f, 0xf6, 4, 4, 2, 0x81, 0x05}));
  EXPECT_EQ(dec.text, "1.05");
  EXPECT_EQ(dec.sql, "JSON_EXTRACT(JSON_ARRAY(CAST(1.05 AS DECIMAL(4,2))),'$[0]')");
  // uint16 5 reads back from text as a signed INTEGER.
  EXPECT_EQ(decode_json(bytes({0x06, 0x05, 0x00})).sql, "JSON_EXTRACT(JSON_ARRAY(CAST(5 AS UNSIGNED)),'$[0]')");
  Bytes date = bytes({0x0f, 0x0a, 8});
  // 2024-01-02 packed: ((2024*13+1) << 5 | 2) << 17 << 24
  const int64_t ymd = ((int64_t{2024} * 13 + 1) << 5) | 2;
  append(date, le64(static_cast<uint64_t>((ymd << 17) << 24)));
  EXPECT_EQ(decode_json(date).sql, "JSON_EXTRACT(JSON_ARRAY(CAST('2024-01-02' AS DATE)),'$[0]')");
}

TEST(JsonBinarySql, ContainersAroundALossyValue) {
  // [1.05, "it's", null, true, -1, 0.5] with an opaque DECIMAL inside.
  Bytes array = bytes({0x02});  // small array
  const Bytes dec = bytes({0xf6, 4, 4, 2, 0x81, 0x05});
  Bytes body;  // count, size, 6 entries (type + 2-byte offset/inline), then out-of-line values
  const size_t header = 4 + 6 * 3;
  Bytes values;
  auto entry = [&](uint8_t type, uint16_t inline_or_offset) {
    body.push_back(type);
    append_le(body, inline_or_offset, 2);
  };
  const uint16_t dec_at = static_cast<uint16_t>(header);
  entry(0x0f, dec_at);
  append(values, dec);
  const uint16_t str_at = static_cast<uint16_t>(header + values.size());
  entry(0x0c, str_at);
  append(values, bytes({4, 'i', 't', '\'', 's'}));
  entry(0x04, 0x00);    // null
  entry(0x04, 0x01);    // true
  entry(0x05, 0xffff);  // int16 -1
  const uint16_t dbl_at = static_cast<uint16_t>(header + values.size());
  entry(0x0b, dbl_at);
  append(values, le64(0x3fe0000000000000ULL));  // 0.5
  Bytes arr;
  append_le(arr, 6, 2);
  append_le(arr, header + values.size(), 2);
  append(arr, body);
  append(arr, values);
  append(array, arr);
  const Json j = decode_json(array);
  EXPECT_EQ(j.text, R"([1.05, "it's", null, true, -1, 0.5])");
  EXPECT_EQ(j.sql,
            "JSON_ARRAY(CAST(1.05 AS DECIMAL(4,2)),_utf8mb4'it\\'s',CAST('null' AS JSON),CAST('true' AS JSON),"
            "CAST(-1 AS SIGNED),5e-01)");
}

}  // namespace
}  // namespace galaxis::binlog::rowtest
