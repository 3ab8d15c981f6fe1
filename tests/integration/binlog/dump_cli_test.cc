// `galaxis-relay binlog dump` as a program: exit codes (0 ok, 1 bad input,
// 2 usage), errors that name the file and byte offset for damaged files,
// --start-position/--stop-position, several files, text and jsonl listing
// the same events, payload events carrying the payload's positions. Runs
// the real binary on the shared corpus (no servers needed).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "galaxis/testing/server.h"

namespace galaxis::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

fs::path corpus_dir() {
  if (const char* dir = std::getenv("GALAXIS_CORPUS_DIR")) return dir;
  return fs::path(GALAXIS_SOURCE_DIR) / "tests" / "data" / "binlog";
}

ProcessResult dump(std::vector<std::string> args) {
  args.insert(args.begin(), {GALAXIS_BINARY, "binlog", "dump"});
  return run_process(args, 120);
}

std::vector<json> lines(const std::string& out) {
  std::vector<json> events;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) events.push_back(json::parse(line));
  return events;
}

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

class DumpCli : public ::testing::Test {
 protected:
  void SetUp() override {
    live_ = corpus_dir() / "mysql-9.7-live";
    if (!fs::exists(live_ / "binlog.000001")) GTEST_SKIP() << "CORPUS MISSING: " << live_;
    tmp_ = fs::temp_directory_path() / ("galaxis-dump-cli-" + std::to_string(::getpid()));
    fs::create_directories(tmp_);
  }
  void TearDown() override {
    if (!tmp_.empty()) fs::remove_all(tmp_);
  }
  fs::path live_, tmp_;
};

TEST_F(DumpCli, UsageErrorsExitTwo) {
  EXPECT_EQ(dump({}).exit_code, 2);
  EXPECT_EQ(dump({"--format", "xml", (live_ / "binlog.000001").string()}).exit_code, 2);
  EXPECT_EQ(dump({"--start-position", "abc", (live_ / "binlog.000001").string()}).exit_code, 2);
}

TEST_F(DumpCli, MissingFileExitsOneNamingIt) {
  const ProcessResult r = dump({(tmp_ / "nope.000001").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("nope.000001"), std::string::npos) << r.err;
}

TEST_F(DumpCli, TruncatedFileExitsOneNamingFileAndOffset) {
  const std::string bytes = read_bytes(live_ / "binlog.000001");
  const fs::path cut = tmp_ / "cut.000001";
  write_bytes(cut, bytes.substr(0, 1300));  // ends inside the write_rows event at 1164
  const ProcessResult r = dump({"--format", "jsonl", cut.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cut.000001"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("1164"), std::string::npos) << r.err;
  // Everything before the bad event was printed.
  const auto events = lines(r.out);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back()["pos"], 1070);
}

TEST_F(DumpCli, FlippedByteIsAChecksumErrorAtItsEvent) {
  std::string bytes = read_bytes(live_ / "binlog.000001");
  bytes[1200] = static_cast<char>(bytes[1200] ^ 0x40);  // inside the write_rows event at 1164
  const fs::path bad = tmp_ / "flipped.000001";
  write_bytes(bad, bytes);
  const ProcessResult r = dump({"--format", "text", bad.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("flipped.000001"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("offset 1164"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("checksum"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("# at 1070"), std::string::npos);
  EXPECT_EQ(r.out.find("# at 1164"), std::string::npos);
}

TEST_F(DumpCli, StartAndStopPositions) {
  const auto all = lines(dump({"--format", "jsonl", (live_ / "binlog.000001").string()}).out);
  ASSERT_GT(all.size(), 10u);
  const ProcessResult r = dump(
      {"--format", "jsonl", "--start-position", "1070", "--stop-position", "1543", (live_ / "binlog.000001").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto some = lines(r.out);
  ASSERT_EQ(some.size(), 2u) << r.out;
  EXPECT_EQ(some[0]["type"], "table_map");
  EXPECT_EQ(some[0]["pos"], 1070);
  EXPECT_EQ(some[1]["type"], "write_rows");
  EXPECT_EQ(some[1]["pos"], 1164);
  // The rows decode exactly as in the full dump (the FDE was still read).
  for (const auto& event : all) {
    if (event["pos"] == 1164) {
      EXPECT_EQ(event["rows"], some[1]["rows"]);
    }
  }
}

TEST_F(DumpCli, SeveralFilesTextAndJsonlListTheSameEvents) {
  const std::string a = (live_ / "binlog.000001").string(), b = (live_ / "binlog.000002").string();
  const ProcessResult jsonl = dump({"--format", "jsonl", a, b});
  const ProcessResult text = dump({a, b});
  ASSERT_EQ(jsonl.exit_code, 0) << jsonl.err;
  ASSERT_EQ(text.exit_code, 0) << text.err;
  const auto events = lines(jsonl.out);
  size_t blocks = 0;
  for (size_t at = text.out.find("# at "); at != std::string::npos; at = text.out.find("\n# at ", at + 1)) ++blocks;
  EXPECT_EQ(blocks, events.size());
  EXPECT_EQ(events.front()["file"], a);
  EXPECT_EQ(events.back()["file"], b);
  // Events inside a transaction payload carry the payload's positions.
  uint64_t payload_pos = 0, payload_next = 0;
  size_t inner = 0;
  for (const auto& event : events) {
    if (event["type"] == "transaction_payload") {
      payload_pos = event["pos"];
      payload_next = event["next_pos"];
    } else if (event.value("in_payload", false)) {
      ++inner;
      EXPECT_EQ(event["pos"], payload_pos);
      EXPECT_EQ(event["next_pos"], payload_next);
    }
  }
  EXPECT_GT(inner, 0u) << "binlog.000002 has a zstd transaction payload";
}

TEST_F(DumpCli, DecodeOnlyReportsCounts) {
  const ProcessResult r = dump({"--format", "none", (live_ / "binlog.000002").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.empty());
  EXPECT_NE(r.err.find("inside transaction payloads"), std::string::npos) << r.err;
}

TEST_F(DumpCli, EveryCorpusFileEndsAsExpected) {
  // EXPECT.tsv: ok -> exit 0; error -> exit 1 with an offset in the message;
  // legacy -> 0 or 1, never a crash. Both output formats.
  std::ifstream expect(corpus_dir() / "EXPECT.tsv");
  std::string line;
  size_t checked = 0;
  while (std::getline(expect, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string path, outcome;
    std::getline(fields, path, '\t');
    std::getline(fields, outcome, '\t');
    if (path.size() > 3 && path.substr(path.size() - 3) == ".gz") continue;  // stored compressed
    for (const char* format : {"text", "jsonl"}) {
      const ProcessResult r = dump({"--format", format, (corpus_dir() / path).string()});
      SCOPED_TRACE(path + " (" + format + "): " + r.err.substr(0, 400));
      if (outcome == "ok") {
        EXPECT_EQ(r.exit_code, 0);
      } else if (outcome == "error") {
        EXPECT_EQ(r.exit_code, 1);
        EXPECT_NE(r.err.find("offset"), std::string::npos);
      } else {
        EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 1) << r.exit_code;
      }
    }
    ++checked;
  }
  EXPECT_GT(checked, 150u);
}

}  // namespace
}  // namespace galaxis::testing
