// galaxis/sql/sync/row_stream.h — reads a result set row by row without
// copying it into Rows first (mysql_use_result): the chunk reader and the
// checksum compare see millions of rows, and per-value std::string copies
// would dominate their CPU time.
//
// The views passed to `on_row` are valid only during the call. Errors
// (server or connection) throw like Connection's, naming the statement;
// an exception thrown by `on_row` is rethrown after the result has been
// drained, so the connection stays usable.
// Not thread-safe: one call at a time per Connection.
#pragma once

#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "galaxis/sql/connection.h"

namespace galaxis::sql::sync {

using RowView = std::vector<std::optional<std::string_view>>;

// Returns the number of rows read.
uint64_t stream_rows(Connection& connection, std::string_view sql, const std::function<void(const RowView&)>& on_row);

}  // namespace galaxis::sql::sync
