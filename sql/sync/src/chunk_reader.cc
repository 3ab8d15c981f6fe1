#include "galaxis/sql/sync/chunk_reader.h"

#include "galaxis/sql/sync/row_stream.h"

namespace galaxis::sql::sync {

ChunkReader::ChunkReader(Connection& source, ChunkLimits limits) : source_(source), limits_(limits) {
  source_.exec("SET SESSION net_write_timeout = 3600");
}

uint64_t ChunkReader::read_range(const SyncTable& table, const std::optional<KeyValue>& lower,
                                 const std::optional<KeyValue>& upper, bool cut, uint64_t* next_number,
                                 const std::function<void(ChunkJob&&)>& emit) {
  std::string sql = "SELECT " + select_list(table) + " FROM " + table.source_name();
  if (table.has_key()) {
    const std::string where = range_predicate(table, lower, upper);
    if (where != "1") sql += " WHERE " + where;
    sql += " ORDER BY " + key_order(table);
  }

  ChunkJob current;
  std::string group;
  std::optional<KeyValue> current_lower = lower;
  KeyValue last_key;
  std::optional<ChunkJob> pending;  // a full chunk waiting to learn whether rows follow

  auto start_job = [&] {
    current = ChunkJob{};
    current.table = &table;
    current.chunk.number = (*next_number)++;
    current.chunk.lower = table.has_key() ? current_lower : std::nullopt;
    group.clear();
  };
  auto close_group = [&] {
    if (!group.empty()) {
      current.bytes += group.size();
      current.value_groups.push_back(std::move(group));
      group.clear();
    }
  };
  start_job();

  uint64_t total = 0;
  with_context("reading " + table.source_name(), [&] {
    stream_rows(source_, sql, [&](const RowView& row) {
      if (pending) {  // a row follows the full chunk: it ends at its own last key
        emit(std::move(*pending));
        pending.reset();
      }
      if (!group.empty()) group += ',';
      append_row(&group, table, row);
      ++current.rows;
      ++total;
      if (group.size() >= limits_.statement_bytes) close_group();
      if (cut && (current.rows >= limits_.chunk_rows || current.bytes + group.size() >= limits_.chunk_bytes)) {
        close_group();
        if (table.has_key()) {
          last_key.clear();
          for (size_t k : table.key) last_key.emplace_back(row[k].value_or(std::string_view()));
          current.chunk.upper = last_key;
          current_lower = last_key;
        }
        current.chunk.rows = current.rows;
        pending = std::move(current);
        start_job();
      }
    });
  });
  close_group();
  if (pending && current.rows == 0) {
    // The range ended right after a full chunk: that chunk takes the range's upper bound.
    --*next_number;
    pending->chunk.upper = table.has_key() ? upper : std::nullopt;
    emit(std::move(*pending));
    return total;
  }
  if (pending) emit(std::move(*pending));
  current.chunk.upper = table.has_key() ? upper : std::nullopt;
  current.chunk.rows = current.rows;
  emit(std::move(current));
  return total;
}

}  // namespace galaxis::sql::sync
