// Walks every binlog listed in the shared corpus's EXPECT.tsv through the
// file reader and the Decoder (rows decoded, CRC32 verified) and checks the
// outcome the list expects; then compares a few files with the MANIFEST's
// event counts and with Oracle mysqlbinlog output.
#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "galaxis/binlog/file_reader.h"

#include "binlog_test_util.h"

namespace galaxis::binlog {
namespace {

using testing::corpus_dir;
using testing::walk_file;

struct Entry {
  std::string path, expect;
};

std::vector<Entry> read_expect() {
  const auto file = corpus_dir() / "EXPECT.tsv";
  std::ifstream in(file);
  std::vector<Entry> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    Entry e;
    std::getline(fields, e.path, '\t');
    std::getline(fields, e.expect, '\t');
    out.push_back(e);
  }
  return out;
}

std::filesystem::path materialize(const std::string& relative) {
  auto path = corpus_dir() / relative;
  if (path.extension() == ".gz") return testing::gunzip_to_temp(path);
  return path;
}

const std::regex kNamesOffset(R"(offset \d+)");

TEST(Corpus, IsPresent) {
  ASSERT_TRUE(std::filesystem::exists(corpus_dir() / "EXPECT.tsv"))
      << "binlog corpus not found at " << corpus_dir()
      << " (expected tests/data/binlog in the checkout, or set GALAXIS_CORPUS_DIR)";
  EXPECT_GT(read_expect().size(), 150u);
}

// One test per EXPECT.tsv line would be nicer in the log, but the list is
// data: walk it in one test and report every failing file.
TEST(Corpus, EveryFileHasTheExpectedOutcome) {
  const auto entries = read_expect();
  ASSERT_FALSE(entries.empty()) << "no EXPECT.tsv under " << corpus_dir();
  int ok = 0, errors = 0, legacy_decoded = 0, legacy_refused = 0;
  for (const Entry& e : entries) {
    SCOPED_TRACE(e.path + " (" + e.expect + ")");
    const auto path = materialize(e.path);
    try {
      const auto result = walk_file(path);
      if (e.expect == "error") {
        ADD_FAILURE() << "expected an error, decoded " << result.outer_events << " events";
      } else if (e.expect == "ok") {
        ++ok;
        EXPECT_GT(result.outer_events, 0u);
        // Exempt: relay logs carry the source's positions, not their own;
        // files with two FDEs are two binlogs concatenated by a test (the
        // positions restart); binlog_recovery/ files were assembled by hand
        // from events of other files.
        const bool positions_are_own = e.path.find("relay") == std::string::npos &&
                                       e.path.find("binlog_recovery/") == std::string::npos &&
                                       result.counts.count("FDE") && result.counts.at("FDE") == 1;
        if (positions_are_own && !result.position_errors.empty())
          ADD_FAILURE() << result.position_errors.size()
                        << " position mismatches, first: " << result.position_errors.front();
      } else {
        ++legacy_decoded;
      }
    } catch (const Error& error) {
      const bool clean_kind = error.kind() == Error::Kind::kCorrupt || error.kind() == Error::Kind::kUnsupported;
      const bool names_offset = std::regex_search(error.what(), kNamesOffset);
      const bool names_file = std::string(error.what()).find(path.filename().string()) != std::string::npos;
      if (e.expect == "ok") {
        ADD_FAILURE() << "unexpected error: " << error.what();
      } else {
        if (e.expect == "error")
          ++errors;
        else
          ++legacy_refused;
        if (std::getenv("GALAXIS_CORPUS_VERBOSE")) std::printf("%s: %s\n", e.expect.c_str(), error.what());
        EXPECT_TRUE(clean_kind) << "error of kind " << static_cast<int>(error.kind()) << ": " << error.what();
        EXPECT_TRUE(names_offset) << "error does not name an offset: " << error.what();
        EXPECT_TRUE(names_file) << "error does not name the file: " << error.what();
      }
    } catch (const std::exception& other) {
      ADD_FAILURE() << "non-galaxis exception: " << other.what();
    }
    if (path != corpus_dir() / e.path) std::filesystem::remove(path);
  }
  std::printf("corpus: %d ok, %d errors as expected, legacy %d decoded / %d refused\n", ok, errors, legacy_decoded,
              legacy_refused);
}

std::map<std::string, int> counts_of(const std::string& relative) {
  auto result = walk_file(materialize(relative));
  std::map<std::string, int> outer;
  for (const auto& [name, n] : result.counts)
    if (name.rfind("inner:", 0) != 0) outer[name] = n;
  return outer;
}

// Event counts from the MANIFEST tables (a plain header walk by its author).
TEST(Corpus, EventCountsMatchManifest) {
  EXPECT_EQ(counts_of("debian-mariadb-test-data-10.11.19/std_data/mdev6020-mysql-bin.000001"),
            (std::map<std::string, int>{{"DELETE_ROWS_v1", 598},
                                        {"FDE", 1},
                                        {"MARIA_BINLOG_CHECKPOINT", 1},
                                        {"MARIA_GTID", 1381},
                                        {"MARIA_GTID_LIST", 1},
                                        {"QUERY", 54},
                                        {"STOP", 1},
                                        {"TABLE_MAP", 2487},
                                        {"UPDATE_ROWS_v1", 774},
                                        {"WRITE_ROWS_v1", 1116},
                                        {"XID", 1340}}));
  EXPECT_EQ(counts_of("debian-mysql-testsuite-9.7.4/std_data_zips/"
                      "data_8021__data__binlog.000001"),
            (std::map<std::string, int>{{"ANONYMOUS_GTID", 6002},
                                        {"FDE", 1},
                                        {"PREVIOUS_GTIDS", 1},
                                        {"QUERY", 6002},
                                        {"STOP", 1},
                                        {"TABLE_MAP", 5999},
                                        {"WRITE_ROWS_v2", 5999},
                                        {"XID", 5999}}));
  EXPECT_EQ(counts_of("mariadb-poc/domain_id_0/mariadb-repl-bin.000002"),
            (std::map<std::string, int>{{"FDE", 1},
                                        {"MARIA_BINLOG_CHECKPOINT", 1},
                                        {"MARIA_GTID", 4433},
                                        {"MARIA_GTID_LIST", 1},
                                        {"QUERY", 17726},
                                        {"ROTATE", 1},
                                        {"XID", 4431}}));
  EXPECT_EQ(
      counts_of("mysql-binlog-connector-java/mysql-bin.sakila.gz"),
      (std::map<std::string, int>{{"FDE", 1}, {"QUERY", 54}, {"TABLE_MAP", 18}, {"WRITE_ROWS_v1", 1374}, {"XID", 15}}));
  EXPECT_EQ(counts_of("mysql-9.7-live/binlog.000001"), (std::map<std::string, int>{{"DELETE_ROWS_v2", 1},
                                                                                   {"FDE", 1},
                                                                                   {"GTID", 6},
                                                                                   {"GTID_TAGGED", 1},
                                                                                   {"PREVIOUS_GTIDS", 1},
                                                                                   {"QUERY", 7},
                                                                                   {"ROTATE", 1},
                                                                                   {"TABLE_MAP", 5},
                                                                                   {"UPDATE_ROWS_v2", 2},
                                                                                   {"WRITE_ROWS_v2", 2},
                                                                                   {"XID", 5}}));
}

// Values Oracle's mysqlbinlog -vv printed for the MySQL 9.7 files.
TEST(Corpus, Mysql97MatchesMysqlbinlog) {
  const auto one = walk_file(corpus_dir() / "mysql-9.7-live/binlog.000001", /*keep_events=*/true);
  std::vector<std::string> gtids;
  std::vector<uint64_t> xids;
  for (const Event& e : one.events) {
    if (const auto* g = e.as<GtidEvent>()) gtids.push_back(g->to_string());
    if (const auto* x = e.as<XidEvent>()) xids.push_back(x->xid);
    if (e.offset == 235) {
      const auto* q = e.as<QueryEvent>();
      ASSERT_NE(q, nullptr);
      EXPECT_EQ(q->thread_id, 31u);
      EXPECT_EQ(q->ddl_xid, 64u);  // "Xid = 64" on the DDL
      EXPECT_EQ(e.header.next_position, 340u);
    }
  }
  const std::string uuid = "2bd36008-e930-11f1-b334-02fc00000001";
  EXPECT_EQ(gtids, (std::vector<std::string>{uuid + ":1", uuid + ":2", uuid + ":3", uuid + ":4", uuid + ":5",
                                             uuid + ":6", uuid + ":tag_one:1"}));
  EXPECT_EQ(std::vector<uint64_t>(xids.begin(), xids.begin() + 4), (std::vector<uint64_t>{68, 69, 70, 71}));

  const auto two = walk_file(corpus_dir() / "mysql-9.7-live/binlog.000002", /*keep_events=*/true);
  const auto three = walk_file(corpus_dir() / "mysql-9.7-live/binlog.000003", /*keep_events=*/true);
  // "# 2bd36008-...:1-6:tag_one:1" under Previous-GTIDs in mysqlbinlog's output.
  ASSERT_NE(two.events.at(1).as<PreviousGtidsEvent>(), nullptr);
  EXPECT_EQ(two.events.at(1).as<PreviousGtidsEvent>()->to_string(), uuid + ":1-6:tag_one:1");
  ASSERT_NE(three.events.at(1).as<PreviousGtidsEvent>(), nullptr);
  EXPECT_EQ(three.events.at(1).as<PreviousGtidsEvent>()->to_string(), uuid + ":1-13:tag_one:1");
  EXPECT_EQ(one.events.at(1).as<PreviousGtidsEvent>()->to_string(), "");  // "# [empty]"
  const TransactionPayloadEvent* payload = nullptr;
  std::vector<std::string> inner_after_payload;
  for (const Event& e : two.events) {
    if (const auto* p = e.as<TransactionPayloadEvent>()) {
      payload = p;
      EXPECT_EQ(e.offset + e.header.event_size, 3450u);
      continue;
    }
    if (payload && !e.as<RotateEvent>())
      inner_after_payload.push_back(std::string(event_type_name(e.header.type_code)));
  }
  ASSERT_NE(payload, nullptr);
  EXPECT_EQ(payload->payload_size, 401u);
  EXPECT_EQ(payload->compression, 0);
  EXPECT_EQ(payload->uncompressed_size, 11874u);
  EXPECT_EQ(inner_after_payload, (std::vector<std::string>{"query", "table_map", "write_rows", "table_map",
                                                           "update_rows", "table_map", "delete_rows", "xid"}));
  EXPECT_EQ(two.inner_events, 8u);
  const Event& last_inner = two.events[two.events.size() - 2];
  ASSERT_NE(last_inner.as<XidEvent>(), nullptr);
  EXPECT_EQ(last_inner.as<XidEvent>()->xid, 89u);
}

template <typename T>
std::vector<T> bodies(const std::string& relative) {
  std::vector<T> out;
  for (const Event& e : walk_file(corpus_dir() / relative, /*keep_events=*/true).events)
    if (const T* body = e.as<T>()) out.push_back(*body);
  return out;
}

// Values from Oracle mysqlbinlog --hexdump -vv output (mysql-cdc-rs/5.7/*/dump.txt).
TEST(Corpus, Mysql57SmallEventsMatchMysqlbinlog) {
  const auto intvars = bodies<IntvarEvent>("mysql-cdc-rs/5.7/05_intvar/log.bin");
  ASSERT_EQ(intvars.size(), 1u);
  EXPECT_EQ(intvars[0].kind, 1);  // "SET LAST_INSERT_ID=0"
  EXPECT_EQ(intvars[0].value, 0u);

  const auto rands = bodies<RandEvent>("mysql-cdc-rs/5.7/13_rand/log.bin");
  ASSERT_EQ(rands.size(), 1u);
  EXPECT_EQ(rands[0].seed1, 694882935u);  // "SET @@RAND_SEED1=694882935, @@RAND_SEED2=292094996"
  EXPECT_EQ(rands[0].seed2, 292094996u);

  const auto vars = bodies<UserVarEvent>("mysql-cdc-rs/5.7/14_user_var/log.bin");
  ASSERT_EQ(vars.size(), 3u);
  EXPECT_EQ(vars[0].name, "val_s");  // "SET @`val_s`:=_utf8 0x7465737420626C6F67 COLLATE `utf8_general_ci`"
  EXPECT_EQ(vars[0].value, "test blog");
  EXPECT_EQ(vars[0].charset, 33u);
  EXPECT_EQ(vars[1].name, "val_i");  // "SET @`val_i`:=100"
  EXPECT_EQ(vars[1].value_type, 2);  // INT_RESULT
  EXPECT_EQ(vars[1].value, std::string("\x64\0\0\0\0\0\0\0", 8));
  EXPECT_EQ(vars[2].name, "val_d");  // "SET @`val_d`:=1.00" (DECIMAL_RESULT)
  EXPECT_EQ(vars[2].value_type, 4);

  const auto rows_queries = bodies<RowsQueryEvent>("mysql-cdc-rs/5.7/29_row_query/log.bin");
  ASSERT_EQ(rows_queries.size(), 1u);
  EXPECT_EQ(rows_queries[0].query, "INSERT INTO `boxercrab` (`title`) VALUES ('hahhhhhhhhh')");

  const auto queries = bodies<QueryEvent>("mysql-cdc-rs/5.7/05_intvar/log.bin");
  ASSERT_FALSE(queries.empty());
  EXPECT_EQ(queries[0].sql_mode, 1436549152u);  // "SET @@session.sql_mode=1436549152"
  EXPECT_EQ(queries[0].charset, (std::array<uint16_t, 3>{33, 33, 45}));
  EXPECT_EQ(queries[0].thread_id, 3u);  // "pseudo_thread_id=3"
  // The server omits Q_AUTO_INCREMENT when it is 1,1 (mysqlbinlog prints the default).
  EXPECT_FALSE(queries[0].auto_increment.has_value());
}

// Damaged input must end in a galaxis::Error, never a crash, hang or another
// exception: flip, truncate and overwrite bytes of real events (checksums off
// so the damage reaches the parsers) and decode. Each file runs in a forked
// child with an alarm, so a hang fails the test instead of blocking it; the
// child reports what went wrong on stderr. Run under ASan/UBSan too.
void mutate_and_decode(const char* name, int rounds) {
  uint64_t state = 0x9e3779b97f4a7c15ull;
  auto next_random = [&] {
    state ^= state << 13, state ^= state >> 7, state ^= state << 17;
    return state;
  };
  std::vector<std::pair<uint64_t, testing::Bytes>> events;
  {
    BinlogFileReader reader((corpus_dir() / name).string());
    while (auto raw = reader.next())
      events.emplace_back(raw->offset, testing::Bytes(raw->bytes.begin(), raw->bytes.end()));
  }
  int decoded = 0, rejected = 0;
  for (int round = 0; round < rounds; ++round) {
    Decoder d(DecoderOptions{.verify_checksums = false, .decode_rows = true, .source_name = name});
    for (size_t i = 0; i < events.size(); ++i) {
      testing::Bytes bytes = events[i].second;
      if (i > 0 && next_random() % 3 == 0) {
        const size_t body = bytes.size() - kEventHeaderLength;
        switch (next_random() % 4) {
          case 0:  // flip bits in the body
            for (int k = 0; k < 3; ++k) bytes[kEventHeaderLength + next_random() % body] ^= 1u << (next_random() % 8);
            break;
          case 1:  // truncate (event_size is fixed below so the framing passes)
            bytes.resize(kEventHeaderLength + next_random() % body);
            break;
          case 2:  // write large length-like bytes
            bytes[kEventHeaderLength + next_random() % body] = 0xff;
            bytes[kEventHeaderLength + next_random() % body] = 0xfe;
            break;
          case 3:  // change the type code
            bytes[4] = static_cast<uint8_t>(next_random());
            break;
        }
        const uint32_t size = static_cast<uint32_t>(bytes.size());
        for (int b = 0; b < 4; ++b) bytes[9 + b] = static_cast<uint8_t>(size >> (8 * b));
      }
      try {
        Event e = d.decode(bytes, events[i].first);
        if (const auto* p = e.as<TransactionPayloadEvent>()) {
          TransactionPayloadReader inner(*p, events[i].first);
          while (auto ib = inner.next()) d.decode_inner(*ib, events[i].first);
        }
        ++decoded;
      } catch (const Error& e) {
        ++rejected;
        if (!std::regex_search(e.what(), kNamesOffset)) {
          std::fprintf(stderr, "error without an offset: %s\n", e.what());
          std::_Exit(3);
        }
      } catch (const std::exception& e) {
        std::fprintf(stderr, "non-galaxis exception: %s\n", e.what());
        std::_Exit(2);
      }
    }
  }
  std::fprintf(stderr, "%s: %d events decoded, %d rejected with an Error\n", name, decoded, rejected);
  std::_Exit(0);
}

TEST(Corpus, MutatedEventsOnlyThrowErrors) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const char* files[] = {"mysql-9.7-live/binlog.000001",
                         "mysql-9.7-live/binlog.000002",
                         "debian-mariadb-test-data-10.11.19/std_data/rpl/master-bin-seq_10.3.36.000001",
                         "mariadb-poc/domain_id_0/mariadb-repl-bin.000009",
                         "mysql-binlog-connector-rust/mysql-bin.000057",
                         "debian-mysql-testsuite-9.7.4/std_data/binlog_transaction_with_GTID.000001",
                         "debian-mariadb-test-data-10.11.19/std_data/mdev35643_mysql_80_binlog.000001"};
  for (const char* name : files) {
    SCOPED_TRACE(name);
    EXPECT_EXIT(
        {
          ::alarm(30);  // a hang becomes SIGALRM: "Terminated by signal 14"
          const char* rounds = std::getenv("GALAXIS_MUTATION_ROUNDS");
          mutate_and_decode(name, rounds ? std::atoi(rounds) : 300);
        },
        ::testing::ExitedWithCode(0), "rejected with an Error");
  }
}

}  // namespace
}  // namespace galaxis::binlog
