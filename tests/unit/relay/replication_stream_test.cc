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

#include "galaxis/binlog/file_reader.h"

namespace galaxis::relay {
namespace {

const std::string kCorpus = std::string(GALAXIS_SOURCE_DIR) + "/tests/data/binlog/mysql-9.7-live/";

// Replays binlog files like a master would: at open() the FDE of the start
// file (artificial when starting mid-file), then the events from the start
// offset, following ROTATE into the next file, then the end (non-blocking).
class ReplaySource : public BinlogSource {
 public:
  explicit ReplaySource(std::vector<std::string> names) : names_(std::move(names)) {}

  void open(const StartPosition& from) override {
    ++opens;
    file_index_ = 0;
    if (!from.file.empty()) {
      while (file_index_ < names_.size() && names_[file_index_] != from.file) ++file_index_;
      if (file_index_ == names_.size()) throw Error(Error::Kind::kServer, "unknown file " + from.file);
    }
    open_file(from.file.empty() ? 4 : from.offset);
  }

  std::optional<SourceEvent> next() override {
    if (fail_after_events >= 0 && delivered_ == fail_after_events) {
      fail_after_events = -1;
      throw Error(failure_kind, "injected failure");
    }
    if (pending_fde_) {
      pending_fde_ = false;
      ++delivered_;
      return SourceEvent{fde_, names_[file_index_], position_.offset, position_.offset, true};
    }
    auto raw = reader_->next();
    if (!raw) return std::nullopt;
    bytes_.assign(raw->bytes.begin(), raw->bytes.end());
    SourceEvent out{bytes_, names_[file_index_], raw->offset, raw->offset + raw->bytes.size(), false};
    position_.offset = out.next_position;
    name_ = names_[file_index_];
    if (bytes_[4] == 4 /* ROTATE */ && file_index_ + 1 < names_.size()) {
      ++file_index_;
      open_file(4);
      pending_fde_ = false;
    }
    ++delivered_;
    out.file = name_;
    return out;
  }

  void close() override {}
  std::string describe() const override { return "replay"; }
  binlog::BinlogPosition position() const override { return position_; }

  int fail_after_events = -1;  // throw before the (n+1)-th event delivered since construction
  Error::Kind failure_kind = Error::Kind::kNetwork;
  int opens = 0;

 private:
  void open_file(uint64_t offset) {
    reader_ = std::make_unique<binlog::BinlogFileReader>(kCorpus + names_[file_index_]);
    auto fde = reader_->next();
    fde_.assign(fde->bytes.begin(), fde->bytes.end());
    position_ = binlog::BinlogPosition{names_[file_index_], offset, ""};
    if (offset > 4) {
      reader_->seek(offset);
      pending_fde_ = true;  // re-sent, artificial
    } else {
      reader_->seek(4);
      pending_fde_ = false;
    }
  }

  std::vector<std::string> names_;
  size_t file_index_ = 0;
  std::unique_ptr<binlog::BinlogFileReader> reader_;
  std::vector<uint8_t> fde_;
  std::vector<uint8_t> bytes_;
  bool pending_fde_ = false;
  std::string name_;
  binlog::BinlogPosition position_;
  int delivered_ = 0;
};

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

StreamOptions no_sleep() {
  StreamOptions o;
  o.sleep = [](std::chrono::milliseconds) {};
  return o;
}

const std::vector<std::string> kFiles = {"binlog.000001", "binlog.000002", "binlog.000003"};

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
  options.max_attempts = 2;
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
