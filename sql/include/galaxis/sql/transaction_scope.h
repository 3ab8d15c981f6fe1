// galaxis/sql/transaction_scope.h — the one RAII guard for a target
// transaction: whatever leaves the scope without commit() (an exception, an
// early return) rolls the transaction back through
// Connection::rollback_quietly(), which logs a failed ROLLBACK instead of
// throwing from a destructor (the server rolls back on disconnect anyway).
//
//   TransactionScope trx(connection);      // after BEGIN (or implicit start)
//   connection.exec(...);
//   trx.commit();                          // sends COMMIT
//
// When the COMMIT travels inside a multi-statement batch, mark_committed()
// records that the batch that carried it succeeded.
#pragma once

#include "galaxis/sql/connection.h"

namespace galaxis::sql {

class TransactionScope {
 public:
  explicit TransactionScope(Connection& connection) noexcept : connection_(connection) {}
  ~TransactionScope() {
    if (open_) connection_.rollback_quietly();
  }
  TransactionScope(const TransactionScope&) = delete;
  TransactionScope& operator=(const TransactionScope&) = delete;

  void commit() {
    connection_.exec("COMMIT");
    open_ = false;
  }
  void mark_committed() noexcept { open_ = false; }

 private:
  Connection& connection_;
  bool open_ = true;
};

}  // namespace galaxis::sql
