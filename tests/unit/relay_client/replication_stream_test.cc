// ReplicationStream over a scripted BinlogSource that replays real MySQL
// 9.7 binlog files (the corpus: GTIDs, tagged GTIDs, compressed payloads,
// partial JSON, a rotate) and injects failures: the committed stream must
// be identical whatever event the connection breaks at, the accepted
// position never passes a transaction the consumer refused, and fatal
// errors are not retried.
#include "galaxis/relay/replication_stream.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "replay_source.h"

namespace galaxis::relay {
namespace {

struct Collector : TransactionConsumer {
  void on_transaction_begin(const TransactionInfo&) override { pending.clear(); }
  void on_event(const TransactionInfo& t, const StreamEvent& e) override {
    pending.push_back(std::string(e.file) + ":" + std::to_string(e.offset) + "-" + std::to_string(e.next_position) +
                      " type " + std::to_string(e.event.header.type_code) + (e.inner ? " inner" : "") + " " + t.gtid);
  }
  void on_transaction_commit(const TransactionInfo& t) override {
    if (refuse_commit_number >= 0 && static_cast<int>(commits.size()) == refuse_commit_number) {
      throw Error(Error::Kind::kRuntime, "consumer refuses");
    }
    for (auto& p : pending) committed.push_back(p);
    commits.push_back(t);
  }
  void on_transaction_abort(const TransactionInfo&, const Error&) override {
    pending.clear();
    ++aborts;
  }
  std::vector<std::string> pending, committed;
  std::vector<TransactionInfo> commits;
  int aborts = 0;
  int refuse_commit_number = -1;
};

// Reconnect waits go to a fake clock: the tests never sleep.
FakeClock fake_clock;

StreamOptions no_sleep() {
  StreamOptions o;
  o.clock = &fake_clock;
  return o;
}

class ReplicationStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kCorpus + kFiles[0])) GTEST_SKIP() << "corpus missing: " << kCorpus;
  }
};

TEST_F(ReplicationStreamTest, GroupsTransactionsWithExactPositionsAndGtids) {
  ReplaySource source(kFiles);
  ReplicationStream stream(source, no_sleep());
  Collector c;
  stream.run(StartPosition{}, c);
  ASSERT_GT(c.commits.size(), 10u);
  EXPECT_EQ(c.aborts, 0);
  // Transactions tile the files: each begins where the previous ended
  // (control events between them excepted) and ends at its last event.
  for (size_t i = 0; i < c.commits.size(); ++i) {
    EXPECT_LT(c.commits[i].begin.offset, c.commits[i].end.offset) << i;
    if (i > 0 && c.commits[i].begin.file == c.commits[i - 1].end.file) {
      EXPECT_GE(c.commits[i].begin.offset, c.commits[i - 1].end.offset) << i;
    }
  }
  // Inner events of compressed payloads carry the payload's positions.
  const bool has_inner = std::any_of(c.committed.begin(), c.committed.end(),
                                     [](const std::string& s) { return s.find(" inner ") != std::string::npos; });
  EXPECT_TRUE(has_inner);
  // The tagged GTID is tracked too; the final state is the GTID set the
  // last file's PREVIOUS_GTIDS records.
  const auto end = stream.accepted_position();
  EXPECT_EQ(end.file, "binlog.000003");
  EXPECT_NE(end.gtid_executed.find(":"), std::string::npos) << end.gtid_executed;
  EXPECT_EQ(end.gtid_executed, c.commits.back().end.gtid_executed);
}

TEST_F(ReplicationStreamTest, ABreakAtAnyEventResumesWithoutGapOrDuplicate) {
  Collector reference;
  binlog::BinlogPosition reference_end;
  {
    ReplaySource source(kFiles);
    ReplicationStream stream(source, no_sleep());
    stream.run(StartPosition{}, reference);
    reference_end = stream.accepted_position();
  }
  int total_events = 0;
  {
    ReplaySource counting(kFiles);
    counting.open({});
    while (counting.next()) ++total_events;
  }
  ASSERT_GT(total_events, 20);
  for (int k = 0; k < total_events; ++k) {
    ReplaySource source(kFiles);
    source.fail_after_events = k;
    ReplicationStream stream(source, no_sleep());
    Collector c;
    stream.run(StartPosition{}, c);
    EXPECT_EQ(c.committed, reference.committed) << "break before event " << k;
    EXPECT_EQ(stream.stats().reconnects, 1u) << k;
    EXPECT_EQ(source.opens, 2) << k;
    EXPECT_EQ(stream.accepted_position().to_string(), reference_end.to_string()) << k;
    EXPECT_EQ(stream.accepted_position().gtid_executed, reference_end.gtid_executed) << k;
  }
}

TEST_F(ReplicationStreamTest, NeverAcceptsATransactionTheConsumerRefused) {
  ReplaySource source(kFiles);
  ReplicationStream stream(source, no_sleep());
  Collector c;
  c.refuse_commit_number = 3;
  try {
    stream.run(StartPosition{}, c);
    FAIL() << "the consumer's error was swallowed";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "consumer refuses");
  }
  ASSERT_EQ(c.commits.size(), 3u);
  EXPECT_EQ(stream.accepted_position().to_string(), c.commits[2].end.to_string());
  EXPECT_EQ(stream.accepted_position().gtid_executed, c.commits[2].end.gtid_executed);
  EXPECT_EQ(stream.stats().reconnects, 0u);
  EXPECT_EQ(source.opens, 1);
}

TEST_F(ReplicationStreamTest, FatalSourceErrorsAreNotRetried) {
  ReplaySource source(kFiles);
  source.fail_after_events = 7;
  source.failure_kind = Error::Kind::kCorrupt;
  ReplicationStream stream(source, no_sleep());
  Collector c;
  EXPECT_THROW(stream.run(StartPosition{}, c), Error);
  EXPECT_EQ(stream.stats().reconnects, 0u);
  EXPECT_EQ(source.opens, 1);
}

TEST_F(ReplicationStreamTest, GivesUpAfterMaxAttempts) {
  ReplaySource source(kFiles);
  source.fail_after_events = 0;
  StreamOptions options = no_sleep();
  options.retry.max_attempts = 2;
  // Fails on every open: the injected failure re-arms itself.
  struct AlwaysFailing : ReplaySource {
    using ReplaySource::ReplaySource;
    std::optional<SourceEvent> next() override { throw Error(Error::Kind::kNetwork, "down"); }
  } failing(kFiles);
  ReplicationStream stream(failing, options);
  Collector c;
  try {
    stream.run(StartPosition{}, c);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("giving up after 2 reconnect attempts"), std::string::npos) << e.what();
  }
  EXPECT_EQ(failing.opens, 3);
}

}  // namespace
}  // namespace galaxis::relay
