// Every row value that `binlog dump --format jsonl` prints for the MySQL
// 9.7.4 binlogs in the shared corpus (mysql-9.7-live/: VECTOR, JSON, partial
// JSON diffs, zstd transaction payloads, tagged GTIDs, MINIMAL images; binlog.000003 has no rows)
// equals what Oracle's own `mysqlbinlog -vv` printed for the same files.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "dump_oracle.h"
#include "galaxis/binlog/event_dumper.h"
#include "galaxis/binlog/file_reader.h"

namespace galaxis::binlog {
namespace {

std::filesystem::path corpus_dir() {
  if (const char* dir = std::getenv("GALAXIS_CORPUS_DIR")) return dir;
  return std::filesystem::path(GALAXIS_SOURCE_DIR) / "tests" / "data" / "binlog";
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string dump_jsonl(const std::filesystem::path& path) {
  std::string out;
  DumpOptions options;
  options.format = DumpFormat::kJsonl;
  EventDumper dumper(options, [&](std::string_view chunk) { out.append(chunk); });
  BinlogFileReader reader(path.string());
  dumper.begin_stream(path.filename().string());
  dumper.dump_events([&] { return reader.next(); }, DumpRange{});
  dumper.flush();
  return out;
}

class DumpOracleCorpus : public ::testing::TestWithParam<std::string> {};

TEST_P(DumpOracleCorpus, RowValuesMatchMysqlbinlog) {
  const auto dir = corpus_dir() / "mysql-9.7-live";
  const auto binlog = dir / GetParam();
  const auto reference = dir / (GetParam() + ".mysqlbinlog.txt");
  if (!std::filesystem::exists(binlog) || !std::filesystem::exists(reference))
    GTEST_SKIP() << "CORPUS MISSING: " << binlog;
  const auto ours = oracle::parse_dump_rows(dump_jsonl(binlog));
  const auto theirs = oracle::parse_oracle_rows(read_file(reference));
  ASSERT_FALSE(theirs.empty()) << "the reference dump has no rows: parser broken?";
  size_t values = 0;
  for (const auto& row : theirs) values += row.before.size() + row.after.size();
  const auto problems = oracle::compare_rows(ours, theirs);
  for (const auto& problem : problems) ADD_FAILURE() << GetParam() << ": " << problem;
  RecordProperty("values_compared", static_cast<int>(values));
  std::printf("%s: %zu rows, %zu values compared with mysqlbinlog -vv\n", GetParam().c_str(), theirs.size(), values);
}

INSTANTIATE_TEST_SUITE_P(Mysql97, DumpOracleCorpus, ::testing::Values("binlog.000001", "binlog.000002"),
                         [](const auto& param_info) { return "binlog_" + param_info.param.substr(7); });

// The oracle parser itself: a value that differs must be caught.
TEST(DumpOracleCompare, DetectsDifferences) {
  const std::string reference =
      "### UPDATE `d`.`t`\n### WHERE\n###   @1=-1 (4294967295) /* INT meta=0 nullable=0 is_null=0 */\n"
      "### SET\n###   @2='a\\x00b' /* VARSTRING(20) meta=20 nullable=1 is_null=0 */\n"
      "###   @3=JSON_REPLACE(\n###      JSON_INSERT(@3, '$.new', CAST('[\"p\", \"q\"]' AS JSON)),\n"
      "###      '$.k', null) /* JSON meta=4 nullable=1 is_null=0 */\n";
  const auto theirs = oracle::parse_oracle_rows(reference);
  ASSERT_EQ(theirs.size(), 1u);
  ASSERT_EQ(theirs[0].after.size(), 2u);
  EXPECT_EQ(theirs[0].after[1].type, "JSON");

  oracle::DumpedRow row;
  row.kind = "UPDATE";
  row.table = "`d`.`t`";
  row.before = nlohmann::json::parse("[4294967295]");
  row.after = nlohmann::json::parse(
      R"([{"base64":"YQBi"},[{"op":"insert","path":"$.new","value":["p","q"]},{"op":"replace","path":"$.k","value":null}]])");
  EXPECT_TRUE(oracle::compare_rows({row}, theirs).empty());

  row.before = nlohmann::json::parse("[4294967294]");
  EXPECT_EQ(oracle::compare_rows({row}, theirs).size(), 1u);
  row.before = nlohmann::json::parse("[-1]");
  row.after[0] = "a b";
  EXPECT_EQ(oracle::compare_rows({row}, theirs).size(), 1u);
  row.after[0] = nlohmann::json::parse(R"({"base64":"YQBi"})");
  row.after[1][1]["path"] = "$.x";
  EXPECT_EQ(oracle::compare_rows({row}, theirs).size(), 1u);
}

}  // namespace
}  // namespace galaxis::binlog
