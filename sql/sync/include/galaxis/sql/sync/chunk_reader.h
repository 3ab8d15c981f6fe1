// galaxis/sql/sync/chunk_reader.h — reads a key range of a table from the
// snapshot connection and cuts it into chunks (the chunk planner).
//
// One streaming SELECT per range (ORDER BY the key: the clustered index for
// a primary key, so no sort), cut into chunks of at most `chunk_rows` rows
// or `chunk_bytes` of SQL text, whichever comes first. A chunk's bounds are
// the key of the row before it (exclusive) and its own last row
// (inclusive); the range's last chunk gets the range's upper bound (open
// when the range is open, so rows the snapshot does not have can never fall
// outside every chunk). An empty open range still yields one (empty) chunk,
// which marks the table complete. Tables without a key are one range read
// in scan order; their chunks carry no bounds.
//
// Each chunk is handed to `emit` before the next row is read; emit may
// block (the writer queue is bounded), so the session's net_write_timeout
// is raised for slow writers. Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "galaxis/sql/connection.h"
#include "galaxis/sql/sync/chunk_writer.h"
#include "galaxis/sql/sync/table.h"

namespace galaxis::sql::sync {

struct ChunkLimits {
  uint64_t chunk_rows = 10000;
  uint64_t chunk_bytes = 8 << 20;
  uint64_t statement_bytes = 1 << 20;
};

class ChunkReader {
 public:
  ChunkReader(Connection& source, ChunkLimits limits);

  // Reads keys in (lower, upper]; chunks are numbered from *next_number on
  // (advanced). cut=false: the whole range is one chunk. Returns rows read.
  uint64_t read_range(const SyncTable& table, const std::optional<KeyValue>& lower,
                      const std::optional<KeyValue>& upper, bool cut, uint64_t* next_number,
                      const std::function<void(ChunkJob&&)>& emit);

 private:
  Connection& source_;
  ChunkLimits limits_;
};

}  // namespace galaxis::sql::sync
