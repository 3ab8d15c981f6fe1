// galaxis/relay/replication_stream.h — decoded events grouped into source
// transactions, with exact positions, handed to a consumer; reconnects.
//
// ReplicationStream pulls raw events from a BinlogSource, decodes them with
// binlog::Decoder (checksums verified), expands TRANSACTION_PAYLOADs (inner
// events carry the payload's positions), and calls the consumer:
//
//   on_transaction_begin  → on_event × n → on_transaction_commit
//
// The stream's accepted position — file, offset of the next event, GTID
// state — moves past a transaction only when on_transaction_commit returned,
// and past a control event (ROTATE, FDE, heartbeat, ...) outside any
// transaction once it has been seen. If the connection drops or the source
// fails mid-transaction the consumer gets on_transaction_abort and must
// discard that transaction; the stream then reconnects with capped
// exponential backoff (RetryPolicy; Error kNetwork only) and resumes at the accepted
// position, so nothing is delivered twice as committed and nothing is
// skipped. Fatal errors (corrupt event, purged position, auth, unknown event
// inside a transaction) propagate from run() with the source and position in
// the message. An exception from the consumer stops the stream unchanged
// (the transaction it was handling stays unaccepted).
//
// Threading: run() blocks the calling thread; request_stop() may be called
// from any thread (the stream notices after the current event, or within one
// heartbeat period when idle). accepted_position() is safe from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "galaxis/binlog/decoder.h"
#include "galaxis/binlog/position.h"
#include "galaxis/common/clock.h"
#include "galaxis/common/error.h"
#include "galaxis/common/retry.h"
#include "galaxis/common/stop_signal.h"
#include "galaxis/relay/binlog_source.h"
#include "galaxis/relay/gtid_state.h"

namespace galaxis::relay {

struct StreamEvent {
  const binlog::Event& event;
  std::string_view file;       // the binlog file the event is in
  uint64_t offset = 0;         // where it starts (inner events: the payload's offset)
  uint64_t next_position = 0;  // where the next event starts (inner: the payload's end)
  bool inner = false;          // from inside a TRANSACTION_PAYLOAD
  bool artificial = false;     // fake rotate, re-sent FDE, heartbeat
  std::string_view gtid;       // GTID of the enclosing transaction, "" when none
  // The same event when the stream no longer needs it after on_event(): a
  // consumer that keeps events may move it out instead of copying its rows
  // (nullptr: copy `event`). Only valid during the on_event() call.
  binlog::Event* movable = nullptr;
};

struct TransactionInfo {
  std::string gtid;              // "0-1-5", "uuid:7", or "" (no GTIDs)
  binlog::BinlogPosition begin;  // where its first event starts (a safe resume point)
  binlog::BinlogPosition end;    // on commit: position after its last event + GTID state after it
  uint32_t timestamp = 0;        // header timestamp of its first event (for lag)
  uint64_t events = 0;           // events delivered so far
};

class TransactionConsumer {
 public:
  virtual ~TransactionConsumer() = default;
  virtual void on_transaction_begin(const TransactionInfo& transaction) = 0;
  virtual void on_event(const TransactionInfo& transaction, const StreamEvent& event) = 0;
  // Returning means "accepted": the stream's accepted position moves to transaction.end.
  virtual void on_transaction_commit(const TransactionInfo& transaction) = 0;
  // The stream lost the rest of this transaction; discard what was delivered.
  virtual void on_transaction_abort(const TransactionInfo& transaction, const Error& reason) = 0;
  // Events outside transactions (FDE, ROTATE, PREVIOUS_GTIDS, GTID_LIST, heartbeats).
  virtual void on_control_event(const StreamEvent&) {}
  // Before each reconnect attempt (logging, metrics).
  virtual void on_reconnect(const Error&, unsigned /*attempt*/, std::chrono::milliseconds /*delay*/) {}
};

struct StreamOptions {
  bool reconnect = true;
  // Reconnect backoff (common/retry.h): 500 ms doubling to 30 s;
  // max_attempts = consecutive failed reconnects before giving up, 0 = never.
  RetryPolicy retry;
  bool verify_checksums = true;
  bool decode_rows = true;
  // Waits between reconnects go through it (request_stop() ends them);
  // nullptr = steady_clock(). Tests pass a FakeClock.
  Clock* clock = nullptr;
};

struct StreamStats {
  uint64_t events = 0;
  uint64_t bytes = 0;
  uint64_t transactions = 0;
  uint64_t heartbeats = 0;
  uint64_t reconnects = 0;
  uint64_t aborted_transactions = 0;
};

class ReplicationStream {
 public:
  ReplicationStream(BinlogSource& source, StreamOptions options = {});
  ~ReplicationStream();

  // Streams from `from` until the source ends (non-blocking dump), a stop is
  // requested, or a fatal error is thrown.
  void run(const StartPosition& from, TransactionConsumer& consumer);
  void request_stop();

  binlog::BinlogPosition accepted_position() const;
  StreamStats stats() const;

 private:
  bool pump(TransactionConsumer& consumer);
  void handle(const binlog::Event& event, const StreamEvent& where, TransactionConsumer& consumer);
  void begin(const binlog::Event& event, const StreamEvent& where, TransactionConsumer& consumer);
  void commit(TransactionConsumer& consumer);
  void accept(const binlog::BinlogPosition& position);

  BinlogSource& source_;
  StreamOptions options_;
  std::unique_ptr<binlog::Decoder> decoder_;
  GtidState gtid_state_;
  StopSignal stop_;

  mutable std::mutex mutex_;  // guards accepted_ and stats_
  binlog::BinlogPosition accepted_;
  StreamStats stats_;

  // The open transaction.
  bool in_transaction_ = false;
  bool after_begin_ = false;
  TransactionInfo transaction_;
  std::unique_ptr<binlog::Event> gtid_event_;  // the GTID event that opened it
  bool consumer_failed_ = false;
};

}  // namespace galaxis::relay
