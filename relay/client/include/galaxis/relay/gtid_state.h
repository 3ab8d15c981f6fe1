// galaxis/relay/gtid_state.h — the source's GTID state as a stream advances.
//
// MariaDB: the last GTID per replication domain, "0-1-100,1-2-7" (the form
// @slave_connect_state takes). MySQL: the executed set "uuid:1-100" (the
// form COM_BINLOG_DUMP_GTID takes). Seeded from a stored checkpoint or a
// start GTID set, widened by GTID_LIST / PREVIOUS_GTIDS at the start of each
// binlog file, and advanced by every committed transaction's GTID.
// Value type; not thread-safe for concurrent mutation.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "galaxis/binlog/events.h"
#include "galaxis/relay/gtid_set.h"

namespace galaxis::relay {

class GtidState {
 public:
  // `text` in either flavour's form (detected: MariaDB "d-s-n" has no ':').
  // Throws Error(kUsage) when it does not parse.
  void reset(const std::string& text);

  void on_previous_gtids(const binlog::PreviousGtidsEvent& event);
  void on_gtid_list(const binlog::MariaGtidListEvent& event);

  // The GTID an event names ("0-1-5", "uuid:7", "uuid:tag:7"), or nullopt
  // when it is not a GTID event (anonymous MySQL GTIDs give nullopt).
  static std::optional<std::string> gtid_of(const binlog::Event& event);

  // Records the transaction begun by `gtid_event` as executed.
  void commit(const binlog::Event& gtid_event);

  std::string to_string() const;

 private:
  std::map<uint32_t, binlog::MariaGtid> mariadb_;  // by domain
  MysqlGtidSet mysql_;
  // to_string()'s text until the state changes: the stream asks for it at
  // every transaction's begin and commit (formatted each time it was ~1,000
  // instructions per source transaction).
  mutable std::optional<std::string> text_;
};

}  // namespace galaxis::relay
