// galaxis/sql/transaction_applier.h — what the relay pipeline drives: a
// consumer of source transactions that commits them to the target exactly
// once. Implemented by Applier (one target connection, applier.h) and
// ParallelApplier (several, parallel_applier.h).
//
//   begin() → apply(event) × n → commit(end)    one source transaction
//                                 abort()        the source lost the rest
//   flush()                      the source is idle: commit what is complete
//   rollback()                   after an error: discard everything uncommitted
//
// committed_position() only ever names a position below which every source
// transaction is committed on the target (with the checkpoint). After an
// exception the caller calls rollback(), drops the object and resumes the
// source from a new instance's committed_position().
//
// Not thread-safe: one caller thread.
#pragma once

#include <memory>
#include <optional>

#include "galaxis/binlog/events.h"
#include "galaxis/binlog/position.h"

namespace galaxis::sql {

struct ApplierStats;

class TransactionApplier {
 public:
  virtual ~TransactionApplier() = default;

  virtual const std::optional<binlog::BinlogPosition>& committed_position() const = 0;
  // Events outside transactions (FORMAT_DESCRIPTION, ROTATE, ...).
  virtual void observe_control_event(const binlog::Event& event) = 0;
  virtual void begin() = 0;
  virtual void apply(const binlog::Event& event) = 0;
  // The same, taking ownership (an implementation that buffers need not copy).
  virtual void apply(std::unique_ptr<binlog::Event> event) { apply(*event); }
  virtual void commit(const binlog::BinlogPosition& end) = 0;
  virtual void abort() = 0;
  virtual void flush() = 0;
  virtual void rollback() noexcept = 0;

  virtual bool in_transaction() const = 0;
  // Something handed over is not committed yet (flush() would commit it).
  virtual bool has_uncommitted() const = 0;
  // Source transactions completed by commit() but not yet covered by
  // committed_position(): the pipeline's applied-transaction bookkeeping.
  virtual size_t uncommitted_transactions() const = 0;
  // Totals over the target connections, as of the last commit.
  virtual ApplierStats total_stats() const = 0;
  // Writes `start` to the checkpoint at once (--initial from-now: a restart
  // before the first commit must not skip what came in between).
  virtual void record_start_position(const binlog::BinlogPosition& start) = 0;
  // True once this applier has finished its job and another one must take
  // over (ParallelApplier consolidating an earlier parallel run into the
  // serial row): the pipeline then connects a new applier and resumes from
  // its committed_position(). Checked between source transactions.
  virtual bool wants_replacement() const { return false; }
};

}  // namespace galaxis::sql
