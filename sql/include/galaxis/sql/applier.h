// galaxis/sql/applier.h — applies source transactions to the target,
// exactly once.
//
// The relay pipeline drives one Applier per target connection:
//
//   begin()  → apply(event) × n → commit(end_position)      one source transaction
//                                 abort()                    the source lost the rest
//   flush()                     when the source has nothing more right now
//
// Streaming, bounded memory: row events become SQL in a StatementBatch that
// is sent (one round trip, Connection::exec_multi) whenever it exceeds
// max_batch_bytes — inside one open target transaction, so a 1 GB source
// transaction streams through in batches and is still committed atomically.
//
// Grouping: commit() marks a source transaction complete; the target
// transaction stays open to take following ones, until group_max_* is
// reached or flush() is called. Then one round trip sends the rest of the
// batch, the checkpoint UPDATE (checkpoint.h) naming the last complete
// source transaction, and COMMIT. So committed_position() only ever names a
// position whose rows are committed, and a source transaction is never split
// across target transactions. The caller must call flush() when its source
// is idle (e.g. no event within a few milliseconds), or lag grows up to
// group_max_delay — commit() itself also flushes once the group is older
// than group_max_delay.
//
// Compaction (ApplierOptions::compact_rows, off by default): changes to
// eligible tables are folded per key into one DELETE + one multi-row INSERT
// per table and target transaction (net_changes.h).
//
// DDL (QUERY events): the open group is committed first (its checkpoint
// marked ddl_pending), then the DDL runs with the event's default database,
// sql_mode, charsets, time zone and foreign/unique checks, DEFINER removed,
// CREATE TRIGGER bodies guarded (target_session.h), database renames applied;
// the schema cache is dropped. Account management and administrative
// statements are skipped with a log line; routines are attempted and skipped
// with a warning when the target user lacks the privilege. Statement-based
// DML, XA and unknown statements stop with Error(kUnsupported).
//
// BEGIN/COMMIT queries are boundaries (the caller's begin/commit carry
// them); ROLLBACK undoes the current source transaction only (the master
// wrote BEGIN…ROLLBACK because a non-transactional table changed; what
// InnoDB tables got is undone, MyISAM keeps its rows — as on the master).
// SAVEPOINT / ROLLBACK TO are replayed as they are.
//
// Non-transactional tables (MyISAM, Aria): their rows are applied in order
// but cannot roll back with the checkpoint; a crash between such a batch and
// its commit re-applies them on restart (duplicate-key errors or doubled
// rows). Exactly-once holds for transactional tables only.
//
// Errors: every failure throws galaxis::Error with the source position
// (file:offset of the event) in the message. After an exception the target
// transaction is in an unknown state: call rollback(), which discards the
// open group and everything not yet committed, and resume the source from
// committed_position() — or, when the Error is kNetwork on the target, make
// a new Applier with a new Connection (it reloads the checkpoint).
//
// Not thread-safe: one Applier per thread and target connection.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "galaxis/binlog/events.h"
#include "galaxis/binlog/position.h"
#include "galaxis/sql/checkpoint.h"
#include "galaxis/sql/connection.h"
#include "galaxis/sql/filter.h"
#include "galaxis/sql/net_changes.h"
#include "galaxis/sql/query_text.h"
#include "galaxis/sql/schema_cache.h"
#include "galaxis/sql/statement_builder.h"
#include "galaxis/sql/target_session.h"
#include "galaxis/sql/transaction_applier.h"

namespace galaxis::sql {

struct ApplierOptions {
  std::string stream = "default";  // the checkpoint row's key
  std::string checkpoint_schema = "galaxis_relay";
  FilterOptions filter;                  // its checkpoint_schema is overwritten with the one above
  size_t max_batch_bytes = 2 << 20;      // send the batch once it is larger
  size_t max_statement_bytes = 1 << 20;  // start a new multi-row statement once one is larger
  // Bounds of one target transaction made of several source transactions.
  size_t group_max_transactions = 2000;
  size_t group_max_rows = 20000;
  size_t group_max_bytes = 8 << 20;
  std::chrono::milliseconds group_max_delay{200};
  // A DELETE/UPDATE that matched fewer rows than the binlog says means the
  // target has drifted: logged as a warning, or an Error(kRuntime) when strict.
  bool strict_row_counts = false;
  // The source server's version ("10.11.6-MariaDB-log", "9.7.0"), e.g. from
  // the FORMAT_DESCRIPTION event; "" when unknown. A MariaDB >= 11.2 target
  // of an older source replays DDL with the older default collations
  // (character_set_collations=''), so "DEFAULT CHARSET=utf8mb4" means
  // utf8mb4_general_ci on both sides, as on the source.
  std::string source_version;
  // Fold row changes of eligible tables into their net effect per key
  // within a target transaction (net_changes.h): far fewer statements for
  // catch-up. Row-count drift checks do not apply to folded changes.
  bool compact_rows = false;
  // With compact_rows on a MariaDB target: write the folded rows of bindable
  // tables by bulk execution of one prepared statement (bulk_upsert.h)
  // instead of literal text. Off: text everywhere (the comparison in tests).
  bool bulk_execution = true;
};

struct ApplierStats {
  uint64_t transactions = 0;        // source transactions completed
  uint64_t target_commits = 0;      // target transactions committed
  uint64_t rows = 0;                // row changes turned into SQL
  uint64_t statements = 0;          // SQL statements sent
  uint64_t round_trips = 0;         // batches sent
  uint64_t bytes_sent = 0;          // SQL bytes sent
  uint64_t ddl = 0;                 // DDL statements replayed
  uint64_t skipped_statements = 0;  // QUERY events skipped (filtered, accounts, admin)
  uint64_t filtered_rows = 0;       // row changes of filtered tables
  uint64_t row_count_mismatches = 0;
  uint64_t send_microseconds = 0;  // time spent waiting for the target (round trips)
  uint64_t schema_loads = 0;       // tables read from information_schema (SchemaCache::loads())
  uint64_t upserted_rows = 0;      // folded rows written by INSERT … ON DUPLICATE KEY UPDATE (net_changes.h)
  uint64_t bulk_rows = 0;          // folded rows written by bulk execution (bulk_upsert.h)
};

class Applier : public TransactionApplier {
 public:
  // Sets up the session, creates the checkpoint table when missing and
  // loads the checkpoint. Takes the connection.
  Applier(Connection target, ApplierOptions options = {});

  // The position up to which everything is committed on the target
  // (nullopt: nothing yet — the caller chooses where to start).
  const std::optional<binlog::BinlogPosition>& committed_position() const override { return committed_; }
  // The checkpoint as loaded at construction.
  const std::optional<Checkpoint>& loaded_checkpoint() const { return loaded_; }

  // Events outside transactions (FORMAT_DESCRIPTION, ROTATE, ...): the FDE
  // tells the source's version when ApplierOptions::source_version is empty.
  void observe_control_event(const binlog::Event& event) override;

  using TransactionApplier::apply;
  void begin() override;
  void apply(const binlog::Event& event) override;
  void commit(const binlog::BinlogPosition& end) override;
  // Discards the current source transaction (the source lost its rest).
  void abort() override;
  // Commits the open group now (no-op when there is none). Not inside begin/commit.
  void flush() override;
  // Commits the open group with the checkpoint set to `end` — also when
  // nothing is open (then a transaction holding only the checkpoint
  // UPDATE). For the parallel applier, whose workers all move their
  // checkpoint rows to the end of every epoch. Not inside begin/commit.
  void commit_epoch(const binlog::BinlogPosition& end);
  // After an error: discards everything not committed, including completed
  // source transactions of the open group. Never throws.
  void rollback() noexcept override;

  bool in_transaction() const override { return in_source_trx_; }
  bool has_uncommitted() const override { return group_transactions_ > 0 || target_open_; }
  size_t uncommitted_transactions() const override { return group_transactions_; }
  ApplierStats total_stats() const override { return stats(); }
  void record_start_position(const binlog::BinlogPosition& start) override;
  ApplierStats stats() const {
    ApplierStats s = stats_;
    s.schema_loads = schema_.loads();
    return s;
  }
  Connection& connection() { return connection_; }
  SchemaCache& schema_cache() { return schema_; }

 private:
  void apply_rows(const binlog::RowsEvent& rows, const binlog::Event& event);
  void apply_query(const binlog::QueryEvent& query, const binlog::Event& event);
  void apply_ddl(const binlog::QueryEvent& query, const QueryInfo& info, const binlog::Event& event);
  void rollback_source_transaction(const char* why);
  void emit_folded_before_transaction();
  void spill_net_changes();
  void send_mid_transaction();
  void ensure_target_transaction();
  void send();
  void send_bulk(const std::vector<BulkRows>& bulk);
  void commit_group(bool ddl_pending);
  bool group_due() const;
  std::string where(const binlog::Event& event) const;
  // "position file:offset" of the row event statement `statement` of the
  // batch came from; "" for statements not made from a row event.
  std::string describe_origin(size_t statement) const;
  void log_ddl_warnings(const binlog::Event& event);
  std::vector<ServerWarning> diagnose_statement(size_t statement);

  Connection connection_;
  ApplierOptions options_;
  Filter filter_;
  SchemaCache schema_;
  CheckpointStore checkpoint_;
  StatementBatch batch_;
  ApplierStats stats_;

  std::optional<Checkpoint> loaded_;
  std::optional<binlog::BinlogPosition> committed_;
  bool tolerate_ddl_replay_ = false;

  // The open target transaction.
  bool target_open_ = false;       // START TRANSACTION queued or sent
  bool target_sent_ = false;       // some of its statements were sent
  size_t group_transactions_ = 0;  // complete source transactions in it
  size_t group_rows_ = 0;
  size_t group_bytes_ = 0;
  bool group_nontransactional_ = false;  // the target transaction wrote a MyISAM/Aria table
  std::chrono::steady_clock::time_point group_started_;
  std::optional<binlog::BinlogPosition> group_position_;       // end of its last complete source transaction
  std::vector<std::pair<uint64_t, std::string>> group_files_;  // source transaction ordinal -> its binlog file

  // The current source transaction.
  bool in_source_trx_ = false;
  uint64_t trx_ordinal_ = 0;  // counts begin(): names the source transaction of a statement
  StatementBatch::Mark trx_mark_;
  bool trx_target_open_at_mark_ = false;
  bool trx_prior_work_ = false;   // earlier source transactions have statements in the target transaction
  bool trx_flushed_ = false;      // some of its statements were sent
  bool trx_savepoint_ = false;    // SAVEPOINT galaxis_source_trx precedes it
  bool trx_uncompacted_ = false;  // its changes go to the batch directly (too big to fold)
  NetChanges net_;
  BulkExecutor bulk_;
  bool bulk_on_ = false;  // options_.bulk_execution and the target can

  // Session state as the queued statements leave it; nullopt = unknown.
  std::optional<bool> foreign_key_checks_;
  std::optional<bool> unique_checks_;
  std::optional<bool> check_constraints_;  // MariaDB check_constraint_checks
  bool target_mariadb_ = false;
  // Per target table: the table map and target schema whose column layouts
  // were last checked against each other (column_compat.h).
  std::map<std::string, std::pair<std::shared_ptr<const binlog::TableMap>, const TableSchema*>> checked_layouts_;
  std::set<std::string> warned_triggers_;
  std::map<uint16_t, std::optional<CollationName>> collations_;
};

}  // namespace galaxis::sql
