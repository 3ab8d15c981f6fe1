#include "galaxis/sql/applier.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <utility>

#include "galaxis/common/log.h"
#include "galaxis/sql/column_compat.h"
#include "galaxis/sql/target_session.h"
#include "galaxis/sql/warning_check.h"

namespace galaxis::sql {
namespace {

constexpr int64_t kMustMatchOne = -2;  // checkpoint UPDATE: anything else breaks exactly-once
constexpr const char* kSourceSavepoint = "galaxis_source_trx";
// MariaDB's Rows_log_event::NO_CHECK_CONSTRAINT_CHECKS_F: the rows were
// written with check_constraint_checks=0 (MySQL does not set this bit).
constexpr uint16_t kNoCheckConstraintChecks = 0x80;

// Errors a DDL replayed a second time (crash between DDL and checkpoint) gives.
bool is_replayed_ddl_error(unsigned code) {
  switch (code) {
    case 1007:  // ER_DB_CREATE_EXISTS
    case 1008:  // ER_DB_DROP_EXISTS
    case 1050:  // ER_TABLE_EXISTS_ERROR
    case 1051:  // ER_BAD_TABLE_ERROR
    case 1054:  // ER_BAD_FIELD_ERROR
    case 1060:  // ER_DUP_FIELDNAME
    case 1061:  // ER_DUP_KEYNAME
    case 1091:  // ER_CANT_DROP_FIELD_OR_KEY
    case 1146:  // ER_NO_SUCH_TABLE
    case 1359:  // ER_TRG_ALREADY_EXISTS
    case 1360:  // ER_TRG_DOES_NOT_EXIST
    case 4091:  // MariaDB ER_UNKNOWN_SEQUENCES
      return true;
    default: return false;
  }
}

// "11.8.6-MariaDB-..." -> {11, 8}; {0, 0} when unparsable.
std::pair<int, int> major_minor(const std::string& version) {
  int major = 0, minor = 0;
  if (std::sscanf(version.c_str(), "%d.%d", &major, &minor) != 2) return {0, 0};
  return {major, minor};
}

bool has_character_set_collations(const std::string& version) {
  return version.find("MariaDB") != std::string::npos && major_minor(version) >= std::make_pair(11, 2);
}

bool is_access_denied(unsigned code) {
  return code == 1044 || code == 1142 || code == 1227 || code == 1370 || code == 1419;
}

}  // namespace

Applier::Applier(Connection target, ApplierOptions options)
    : connection_(std::move(target)),
      options_(std::move(options)),
      filter_([this] {
        FilterOptions f = options_.filter;
        f.checkpoint_schema = options_.checkpoint_schema;
        return f;
      }()),
      schema_(&connection_),
      checkpoint_(options_.checkpoint_schema, options_.stream),
      batch_(options_.max_statement_bytes),
      net_(options_.max_statement_bytes) {
  setup_target_session(connection_);
  target_mariadb_ = connection_.is_mariadb();
  bulk_on_ = options_.bulk_execution && target_mariadb_ && BulkExecutor::supported(connection_);
  net_.set_bulk(bulk_on_);
  foreign_key_checks_ = true;
  unique_checks_ = true;
  check_constraints_ = true;
  checkpoint_.ensure_table(connection_);
  loaded_ = checkpoint_.load(connection_);
  if (loaded_) {
    if (!loaded_->position.file.empty()) committed_ = loaded_->position;
    tolerate_ddl_replay_ = loaded_->ddl_pending;
    log::info("applier: target {} checkpoint {} {}{}", connection_.display(),
              committed_ ? committed_->to_string() : "(none)", committed_ ? committed_->gtid_executed : "",
              tolerate_ddl_replay_ ? " (a DDL may have run after it)" : "");
  }
}

std::string Applier::describe_origin(size_t statement) const {
  const StatementBatch::Origin origin = batch_.origin(statement);
  if (origin.offset == 0) {
    // Folded rows (compaction) and statements not made from one row event.
    if (!group_position_) return {};
    return fmt::format("position {} (end of the source transactions whose rows this statement holds, folded)",
                       group_position_->to_string());
  }
  for (const auto& [ordinal, file] : group_files_) {
    if (ordinal == origin.transaction) return fmt::format("position {}:{}", file, origin.offset);
  }
  // The source transaction is still open: its file is the one being read.
  return fmt::format("position {}:{} (the event's offset in the file being read)",
                     group_position_ ? group_position_->file
                     : committed_    ? committed_->file
                                     : std::string("?"),
                     origin.offset);
}

// Only on the way to an error: the target transaction is rolled back, the
// batch's statements before `statement` run again in a new transaction, then
// `statement` alone, whose warnings SHOW WARNINGS then has; rolled back.
std::vector<ServerWarning> Applier::diagnose_statement(size_t statement) {
  try {
    connection_.exec("ROLLBACK");
    std::string before(batch_.text_before(statement));
    connection_.exec_multi("START TRANSACTION" + (before.empty() ? std::string() : ";" + before));
    connection_.exec_multi(batch_.full_statement(statement));
    std::vector<ServerWarning> warnings = connection_.show_warnings();
    connection_.exec("ROLLBACK");
    return warnings;
  } catch (const Error& e) {
    log::debug("applier: could not read the warnings' text again: {}", e.what());
    return {};
  }
}

void Applier::log_ddl_warnings(const binlog::Event& event) {
  if (connection_.last_warnings().empty()) return;
  // Only the DDL (the batch's last statement) can leave warnings; they are
  // what the master got from the same statement in the same session.
  for (const ServerWarning& w : connection_.show_warnings()) {
    if (is_expected_ddl_warning(w.code)) {
      log::info("applier: DDL at offset {}: {} {}: {}", event.offset, w.level, w.code, w.message);
    } else {
      log::warn("applier: DDL at offset {} left {} {}: {}", event.offset, w.level, w.code, w.message);
    }
  }
}

std::string Applier::where(const binlog::Event& event) const {
  return fmt::format("event at offset {} (type {})", event.offset, event.header.type_code);
}

void Applier::ensure_target_transaction() {
  if (target_open_) return;
  batch_.add_statement("START TRANSACTION");
  target_open_ = true;
  target_sent_ = false;
}

void Applier::observe_control_event(const binlog::Event& event) {
  if (const auto* fde = event.as<binlog::FormatDescriptionEvent>()) {
    if (options_.source_version.empty() && !fde->server_version.empty()) {
      options_.source_version = fde->server_version;
    }
  }
}

void Applier::begin() {
  if (in_source_trx_) throw_error(Error::Kind::kRuntime, "applier: begin() inside an open source transaction");
  if (group_transactions_ == 0 && !target_open_) group_started_ = std::chrono::steady_clock::now();
  // A statement boundary, so the transaction can be undone or preceded by a savepoint.
  batch_.close_open();
  in_source_trx_ = true;
  ++trx_ordinal_;
  trx_mark_ = batch_.mark();
  trx_target_open_at_mark_ = target_open_;
  trx_prior_work_ = target_open_ && (target_sent_ || batch_.statements() > 1);
  trx_flushed_ = false;
  trx_savepoint_ = false;
  trx_uncompacted_ = false;
}

void Applier::apply(const binlog::Event& event) {
  if (!in_source_trx_) throw_error(Error::Kind::kRuntime, "applier: apply() outside begin()/commit()");
  if (const auto* rows = event.as<binlog::RowsEvent>()) {
    with_context([&] { return where(event); }, [&] { apply_rows(*rows, event); });  // formatted on failure only
  } else if (const auto* query = event.as<binlog::QueryEvent>()) {
    with_context([&] { return where(event); }, [&] { apply_query(*query, event); });
  } else if (const auto* incident = event.as<binlog::IncidentEvent>()) {
    throw_error(Error::Kind::kRuntime, "{}: the source logged an incident ({}): {}", where(event), incident->incident,
                incident->message);
  } else if (event.as<binlog::TransactionPayloadEvent>() != nullptr) {
    throw_error(Error::Kind::kUnsupported, "{}: TRANSACTION_PAYLOAD must be expanded before the applier", where(event));
  } else if (event.as<binlog::XaPrepareEvent>() != nullptr) {
    throw_error(Error::Kind::kUnsupported, "{}: XA transactions are not supported", where(event));
  } else if (const auto* opaque = event.as<binlog::OpaqueEvent>()) {
    if (!opaque->known_type) {
      throw_error(Error::Kind::kUnsupported, "{}: unknown event type inside a transaction", where(event));
    }
  }
  // TABLE_MAP (rows carry their map), GTID, XID, INTVAR/RAND/USER_VAR (only
  // meaningful for statement DML, which apply_query refuses), annotations: nothing to do.
}

void Applier::apply_rows(const binlog::RowsEvent& rows, const binlog::Event& event) {
  if (!rows.table) throw_error(Error::Kind::kCorrupt, "row event without its table map (table id {})", rows.table_id);
  const std::string& source_db = rows.table->database;
  const std::string& table = rows.table->table;
  if (!filter_.table_included(source_db, table)) {
    stats_.filtered_rows += rows.rows.size();
    return;
  }
  const std::string& target_db = filter_.target_database(source_db);
  const TableSchema& schema = schema_.get(target_db, table);
  if (!schema.transactional) group_nontransactional_ = true;
  // Before anything of the event is applied: a target column narrower than
  // the source's stops here, as a native replica stops with error 1677.
  // Checked once per table map and target schema (the map is held, so its
  // address is not reused).
  std::string layout_key = target_db;  // "db\0table": unambiguous, cheaper than quoting per event
  layout_key.push_back('\0');
  layout_key += table;
  auto& checked = checked_layouts_[layout_key];
  if (checked.first != rows.table || checked.second != &schema) {
    check_column_compatibility(*rows.table, schema);
    checked = {rows.table, &schema};
  }
  if (!schema.unguarded_triggers.empty()) {
    if (warned_triggers_.insert(target_db + "." + table).second) {
      log::warn(
          "applier: table {} on the target has triggers without the relay guard ({}); they fire for "
          "replicated rows and may apply twice what the binlog already holds",
          qualified_name(target_db, table), fmt::join(schema.unguarded_triggers, ", "));
    }
  }
  // Rows written with check_constraint_checks=0 keep their place with the
  // session variable around them: never folded.
  const bool no_check_constraints = target_mariadb_ && (rows.flags & kNoCheckConstraintChecks) != 0;
  if (options_.compact_rows && !trx_uncompacted_ && NetChanges::eligible(schema)) {
    net_.set_schema_generation(schema_.generation());
    if (!no_check_constraints && net_.add(rows, schema)) {
      stats_.rows += rows.rows.size();
      group_rows_ += rows.rows.size();
      if (net_.pending_bytes() >= options_.max_batch_bytes) spill_net_changes();
      return;
    }
    spill_net_changes();  // keep this table's changes in order
  }
  ensure_target_transaction();
  bool fk = !rows.no_foreign_key_checks();
  bool unique = !rows.relaxed_unique_checks();
  if (foreign_key_checks_ != fk || unique_checks_ != unique) {
    batch_.add_statement(fmt::format("SET foreign_key_checks={},unique_checks={}", fk ? 1 : 0, unique ? 1 : 0));
    foreign_key_checks_ = fk;
    unique_checks_ = unique;
  }
  if (target_mariadb_ && check_constraints_ != !no_check_constraints) {
    batch_.add_statement(fmt::format("SET check_constraint_checks={}", no_check_constraints ? 0 : 1));
    check_constraints_ = !no_check_constraints;
  }
  batch_.set_origin({event.offset, trx_ordinal_});
  size_t added = batch_.add_rows(rows, schema);
  batch_.set_origin({});
  stats_.rows += added;
  group_rows_ += added;
  if (batch_.bytes() >= options_.max_batch_bytes) send_mid_transaction();
}

// Sends part of the current source transaction inside the open target transaction.
void Applier::send_mid_transaction() {
  emit_folded_before_transaction();
  if (trx_prior_work_ && !trx_savepoint_) {
    // Earlier source transactions share the target transaction: mark where
    // this one starts so abort()/ROLLBACK can undo it alone.
    batch_.insert_at(trx_mark_, std::string("SAVEPOINT ") + kSourceSavepoint);
    trx_savepoint_ = true;
  }
  send();
  trx_flushed_ = true;
}

void Applier::apply_query(const binlog::QueryEvent& query, const binlog::Event& event) {
  QueryInfo info = classify_query(query.query);
  switch (info.kind) {
    case QueryKind::kBegin:
    case QueryKind::kCommit: return;  // the caller's begin()/commit() are the boundaries
    case QueryKind::kRollback: rollback_source_transaction("ROLLBACK in the binlog"); return;
    case QueryKind::kSavepoint:
      ensure_target_transaction();
      batch_.add_statement(query.query);
      return;
    case QueryKind::kDdl:
    case QueryKind::kRoutine: apply_ddl(query, info, event); return;
    case QueryKind::kAccountManagement:
      ++stats_.skipped_statements;
      log::info("applier: skipping an account-management statement at offset {}", event.offset);
      return;
    case QueryKind::kAdministrative:
      ++stats_.skipped_statements;
      log::info("applier: skipping administrative statement at offset {}: {}", event.offset,
                truncate_statement(query.query, 80));
      return;
    case QueryKind::kStatementDml:
    case QueryKind::kXa:
    case QueryKind::kOther:
      throw_error(Error::Kind::kUnsupported,
                  "{} statement in the binlog cannot be replayed (the source must use binlog_format=ROW; MariaDB "
                  "logs DML on tables WITH SYSTEM VERSIONING by transaction id as statements even then: version "
                  "them by TIMESTAMP(6) periods instead): {}",
                  query_kind_name(info.kind), truncate_statement(query.query, 80));
  }
}

void Applier::apply_ddl(const binlog::QueryEvent& query, const QueryInfo& info, const binlog::Event& event) {
  // Filter on the objects the statement changes.
  size_t included = 0, total = 0;
  for (const ObjectName& object : info.objects) {
    const std::string& db = object.database.empty() ? query.database : object.database;
    ++total;
    bool in = object.name.empty() ? filter_.database_included(db) : filter_.table_included(db, object.name);
    if (in) ++included;
  }
  if (total == 0) {
    ++total;
    if (query.database.empty() || filter_.database_included(query.database)) ++included;
  }
  if (included == 0) {
    ++stats_.skipped_statements;
    log::debug("applier: DDL at offset {} concerns filtered objects only; skipped", event.offset);
    return;
  }
  if (included != total) {
    throw_error(Error::Kind::kUnsupported,
                "DDL mixes replicated and filtered objects; apply it by hand on the target and restart: {}",
                truncate_statement(query.query, 120));
  }

  std::string text = query.query;
  for (const auto& [from, to] : filter_.renames()) text = rename_database(text, from, to);
  text = strip_definer(text);
  text = strip_create_start_transaction(text);
  if (info.object_type == "TRIGGER") text = guard_trigger(text);

  // Everything before the DDL commits first, marked as "DDL may follow".
  commit_group(true);

  std::string batch;
  if (!options_.source_version.empty() && !has_character_set_collations(options_.source_version) &&
      has_character_set_collations(connection_.server_version())) {
    batch += "SET SESSION character_set_collations='';";
  }
  std::string session = query_session_sql(query, [this](uint16_t id) -> std::optional<CollationName> {
    auto it = collations_.find(id);
    if (it == collations_.end()) it = collations_.emplace(id, lookup_collation(connection_, id)).first;
    return it->second;
  });
  if (!session.empty()) batch += session + ";";
  // The master ran it, so it was allowed there (ALTER of a system-versioned
  // table needs KEEP, or it fails with 4119); KEEP is what a replica does.
  if (target_mariadb_) batch += "SET @@session.system_versioning_alter_history=KEEP;";
  // The default database matters for unqualified names only. When every
  // object is qualified, the event's default database may be one we filter
  // out (and so missing on the target): then run without it.
  const std::string& db = filter_.target_database(query.database);
  bool needs_default_db = info.objects.empty();
  for (const ObjectName& object : info.objects) needs_default_db = needs_default_db || object.database.empty();
  bool use_db = !db.empty() && info.object_type != "DATABASE";
  if (use_db && !needs_default_db) {
    use_db = connection_
                 .query_value("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = " +
                              connection_.quote(db))
                 .value_or("0") != "0";
  }
  if (use_db) batch += "USE " + quote_identifier(db) + ";";
  batch += text;
  bool skipped = false;
  try {
    connection_.exec_multi(batch);
    log_ddl_warnings(event);
  } catch (Error& e) {
    const unsigned code = e.server_errno();
    if (e.kind() == Error::Kind::kNetwork) throw;
    if (query.error_code != 0 && code == query.error_code) {
      // The master logged the statement together with the error it got (a
      // partly failed DROP, say): the same error here means the same outcome.
      log::warn("applier: DDL at offset {} failed with {} as it did on the source; continuing", event.offset, code);
      skipped = true;
    } else if (tolerate_ddl_replay_ && is_replayed_ddl_error(code)) {
      log::warn(
          "applier: DDL at offset {} failed with {} after a restart that interrupted it; treating it as "
          "already applied: {}",
          event.offset, code, e.what());
      skipped = true;
    } else if (info.kind == QueryKind::kRoutine && is_access_denied(code)) {
      log::warn("applier: skipping {} at offset {}: the target user may not create it ({})", info.object_type,
                event.offset, e.what());
      skipped = true;
    } else {
      e.add_context("replaying DDL");
      throw;
    }
  }
  tolerate_ddl_replay_ = false;
  ++stats_.round_trips;
  if (!skipped) ++stats_.ddl;
  // Restore the applier's own session: nothing the DDL's session set may
  // leak into the rows that follow.
  connection_.exec(session_setup_sql(target_mariadb_));
  foreign_key_checks_ = true;
  unique_checks_ = true;
  check_constraints_ = true;
  schema_.invalidate();
  checked_layouts_.clear();
  bulk_.clear();  // prepared statements of a changed or dropped table: closed, not kept for ever
  // The source transaction continues (CREATE TABLE ... SELECT rows may follow)
  // in a fresh target transaction.
  trx_mark_ = batch_.mark();
  trx_target_open_at_mark_ = false;
  trx_prior_work_ = false;
  trx_flushed_ = false;
  trx_savepoint_ = false;
}

// Folded changes belong to earlier source transactions: they go in front of
// the current one, so undoing it (abort, ROLLBACK, savepoint) keeps them.
void Applier::emit_folded_before_transaction() {
  if (net_.folded_bytes() == 0) return;
  StatementBatch folded(options_.max_statement_bytes);
  stats_.upserted_rows += net_.emit(&folded, target_mariadb_);
  trx_mark_ = batch_.insert_batch_at(trx_mark_, folded);
  trx_prior_work_ = true;
}

// The current transaction is too big to hold (or must keep its order with a
// change that cannot be folded): emit everything and apply the rest directly.
void Applier::spill_net_changes() {
  if (net_.empty()) {
    trx_uncompacted_ = true;
    return;
  }
  ensure_target_transaction();
  emit_folded_before_transaction();
  net_.emit_pending(&batch_);
  trx_uncompacted_ = true;
  if (batch_.bytes() >= options_.max_batch_bytes) send_mid_transaction();
}

void Applier::rollback_source_transaction(const char* why) {
  net_.abort_transaction();
  if (!trx_flushed_) {
    batch_.rollback_to(trx_mark_);
    target_open_ = trx_target_open_at_mark_;
  } else if (trx_savepoint_) {
    batch_.clear();
    connection_.exec(std::string("ROLLBACK TO SAVEPOINT ") + kSourceSavepoint);
    ++stats_.round_trips;
  } else {
    batch_.clear();
    connection_.exec("ROLLBACK");
    ++stats_.round_trips;
    target_open_ = false;
    target_sent_ = false;
  }
  // SET statements may have been dropped unsent or run already: re-state them.
  foreign_key_checks_.reset();
  unique_checks_.reset();
  check_constraints_.reset();
  trx_mark_ = batch_.mark();
  trx_target_open_at_mark_ = target_open_;
  trx_flushed_ = false;
  trx_savepoint_ = false;
  log::debug("applier: source transaction rolled back ({})", why);
}

void Applier::commit(const binlog::BinlogPosition& end) {
  if (!in_source_trx_) throw_error(Error::Kind::kRuntime, "applier: commit() without begin()");
  in_source_trx_ = false;
  net_.commit_transaction();
  if (net_.folded_bytes() > 0) ensure_target_transaction();  // folded rows belong to this target transaction
  group_position_ = end;
  group_files_.emplace_back(trx_ordinal_, end.file);
  ++group_transactions_;
  ++stats_.transactions;
  if (group_due()) commit_group(false);
}

void Applier::abort() {
  if (!in_source_trx_) return;
  rollback_source_transaction("source transaction aborted");
  in_source_trx_ = false;
}

bool Applier::group_due() const {
  return group_transactions_ >= options_.group_max_transactions || group_rows_ >= options_.group_max_rows ||
         group_bytes_ + batch_.bytes() + net_.folded_bytes() >= options_.group_max_bytes ||
         std::chrono::steady_clock::now() - group_started_ >= options_.group_max_delay;
}

void Applier::flush() {
  if (in_source_trx_) throw_error(Error::Kind::kRuntime, "applier: flush() inside an open source transaction");
  if (group_transactions_ == 0 && !target_open_) return;
  commit_group(false);
}

void Applier::commit_epoch(const binlog::BinlogPosition& end) {
  if (in_source_trx_) throw_error(Error::Kind::kRuntime, "applier: commit_epoch() inside an open source transaction");
  group_position_ = end;
  ensure_target_transaction();  // the checkpoint moves even when no rows came
  commit_group(false);
}

void Applier::record_start_position(const binlog::BinlogPosition& start) {
  connection_.exec(checkpoint_.update_statement(start, false));
}

void Applier::commit_group(bool ddl_pending) {
  if (!ddl_pending && group_transactions_ == 0 && !target_open_) return;
  ensure_target_transaction();
  net_.commit_transaction();  // a DDL may end a transaction whose rows are still pending
  if (target_mariadb_ && !net_.empty() && check_constraints_ != true) {
    // Folded rows come from events without NO_CHECK_CONSTRAINT_CHECKS_F.
    batch_.add_statement("SET check_constraint_checks=1");
    check_constraints_ = true;
  }
  std::vector<BulkRows> bulk;
  stats_.upserted_rows += net_.emit(&batch_, target_mariadb_, bulk_on_ ? &bulk : nullptr);
  if (!bulk.empty()) send_bulk(bulk);
  // Statements beyond START TRANSACTION: their warnings must be read before
  // the COMMIT (a multi-statement batch runs on after a warning), which then
  // costs one more round trip per target transaction, none per statement.
  const bool has_rows = batch_.statements() > (target_sent_ ? 0u : 1u);
  // MySQL 9 warns (6414, deprecated) on the statement that makes a
  // transaction write InnoDB after MyISAM: the checkpoint UPDATE after
  // non-transactional rows. That one warning changes no value.
  StatementBatch::Origin checkpoint_origin;
  if (!target_mariadb_ && group_nontransactional_) checkpoint_origin.expected_warnings = 1;
  batch_.set_origin(checkpoint_origin);
  batch_.add_statement(checkpoint_.update_statement(group_position_ ? group_position_ : committed_, ddl_pending),
                       kMustMatchOne);
  batch_.set_origin({});
  if (!has_rows) batch_.add_statement("COMMIT");
  send();
  if (has_rows) {
    connection_.exec("COMMIT");
    ++stats_.round_trips;
  }
  if (group_position_) committed_ = group_position_;
  ++stats_.target_commits;
  target_open_ = false;
  target_sent_ = false;
  group_transactions_ = 0;
  group_rows_ = 0;
  group_bytes_ = 0;
  group_nontransactional_ = false;
  group_position_.reset();
  group_files_.clear();
  group_started_ = std::chrono::steady_clock::now();
}

void Applier::send() {
  if (batch_.empty()) return;
  const std::string& sql = batch_.sql();
  const auto started = std::chrono::steady_clock::now();
  std::vector<uint64_t> affected;
  try {
    affected = connection_.exec_multi(sql);
  } catch (Error& e) {
    // Strict mode: a value the target cannot hold fails its statement and
    // the rest of the batch (COMMIT included) does not run.
    const size_t failed = connection_.last_statement_count() - 1;
    const std::string table = statement_table(batch_.statement_text(failed));
    const std::string origin = describe_origin(failed);
    if (!table.empty() || !origin.empty()) {
      e.add_context(fmt::format("{}{}{}", table, !table.empty() && !origin.empty() ? ", source " : "",
                                origin.empty() ? "" : origin));
    }
    throw;
  }
  check_batch_warnings(
      connection_, [this](size_t i) { return describe_origin(i); },
      [this](size_t i) { return batch_.statement_text(i); }, [this](size_t i) { return diagnose_statement(i); },
      [this](size_t i) { return batch_.origin(i).expected_warnings; });
  stats_.send_microseconds += static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count());
  ++stats_.round_trips;
  stats_.statements += affected.size();
  stats_.bytes_sent += sql.size();
  group_bytes_ += sql.size();
  target_sent_ = true;
  const std::vector<int64_t>& expected = batch_.expected();
  for (size_t i = 0; i < expected.size() && i < affected.size(); ++i) {
    if (expected[i] == kMustMatchOne) {
      if (affected[i] != 1) {
        throw_error(Error::Kind::kRuntime, "checkpoint row of stream '{}' is missing in {} (matched {} rows)",
                    options_.stream, checkpoint_.table_name(), affected[i]);
      }
    } else if (expected[i] >= 0 && affected[i] != static_cast<uint64_t>(expected[i])) {
      ++stats_.row_count_mismatches;
      std::string message = fmt::format("target has drifted: statement matched {} rows, the binlog changed {}: {}",
                                        affected[i], expected[i], batch_.statement_text(i));
      if (options_.strict_row_counts) throw Error(Error::Kind::kRuntime, message);
      if (stats_.row_count_mismatches <= 10 || stats_.row_count_mismatches % 1000 == 0) {
        log::warn("applier: {} (mismatch #{})", message, stats_.row_count_mismatches);
      }
    }
  }
  batch_.clear();
  // The current source transaction now starts at the beginning of the (empty) batch.
  trx_mark_ = batch_.mark();
}

// The folded rows of bindable tables (bulk_upsert.h): the batch so far
// (START TRANSACTION, their DELETEs, every earlier statement) first, in
// order; their warnings are checked by each execution, so the checkpoint
// and COMMIT may follow in one round trip.
void Applier::send_bulk(const std::vector<BulkRows>& bulk) {
  send();
  for (const BulkRows& rows : bulk) {
    const auto started = std::chrono::steady_clock::now();
    bulk_.execute(connection_, rows);
    stats_.send_microseconds += static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count());
    ++stats_.round_trips;
    ++stats_.statements;
    stats_.bulk_rows += rows.rows.size();
  }
  target_sent_ = true;
}

void Applier::rollback() noexcept {
  batch_.clear();
  net_ = NetChanges(options_.max_statement_bytes);
  net_.set_bulk(bulk_on_);
  bulk_.clear();
  connection_.rollback_quietly();
  in_source_trx_ = false;
  target_open_ = false;
  target_sent_ = false;
  group_transactions_ = 0;
  group_rows_ = 0;
  group_bytes_ = 0;
  group_nontransactional_ = false;
  group_position_.reset();
  group_files_.clear();
  foreign_key_checks_.reset();
  unique_checks_.reset();
  check_constraints_.reset();
  trx_flushed_ = false;
  trx_savepoint_ = false;
}

}  // namespace galaxis::sql
