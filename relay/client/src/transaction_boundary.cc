#include "galaxis/relay/transaction_boundary.h"

#include <algorithm>
#include <cctype>
#include <string_view>

namespace galaxis::relay {

namespace {

bool starts_with_word(std::string_view text, std::string_view word) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  if (text.size() < word.size()) return false;
  for (size_t i = 0; i < word.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(text[i])) != word[i]) return false;
  }
  return text.size() == word.size() || !std::isalnum(static_cast<unsigned char>(text[word.size()]));
}

}  // namespace

EventRole classify_event(const binlog::Event& event, bool after_begin) {
  using binlog::EventType;
  if (event.as<binlog::GtidEvent>() || event.as<binlog::MariaGtidEvent>()) return EventRole::kBeginGtid;
  if (const auto* q = event.as<binlog::QueryEvent>()) {
    if (starts_with_word(q->query, "BEGIN") || starts_with_word(q->query, "XA START")) return EventRole::kBegin;
    if (starts_with_word(q->query, "COMMIT") || starts_with_word(q->query, "ROLLBACK")) {
      return after_begin ? EventRole::kCommit : EventRole::kStatement;
    }
    // XA END is followed by XA_PREPARE (MySQL) or by a QUERY "XA PREPARE" (MariaDB).
    if (starts_with_word(q->query, "XA PREPARE")) return after_begin ? EventRole::kCommit : EventRole::kStatement;
    return after_begin ? EventRole::kPart : EventRole::kStatement;
  }
  if (event.as<binlog::XidEvent>() || event.as<binlog::XaPrepareEvent>()) return EventRole::kCommit;
  if (event.as<binlog::TransactionPayloadEvent>()) return EventRole::kPayload;
  if (event.as<binlog::FormatDescriptionEvent>() || event.as<binlog::RotateEvent>() ||
      event.as<binlog::PreviousGtidsEvent>() || event.as<binlog::MariaGtidListEvent>() ||
      event.as<binlog::MariaBinlogCheckpointEvent>() || event.as<binlog::HeartbeatEvent>() ||
      event.as<binlog::StopEvent>() || event.as<binlog::StartEncryptionEvent>()) {
    return EventRole::kControl;
  }
  if (const auto* opaque = event.as<binlog::OpaqueEvent>()) {
    // Ignorable / view-change / transaction-context events between groups.
    const auto type = event.header.type();
    if (type == EventType::kIgnorable || type == EventType::kViewChange || type == EventType::kTransactionContext ||
        (event.header.flags & 0x80 /* LOG_EVENT_IGNORABLE_F */)) {
      return EventRole::kControl;
    }
    (void)opaque;
  }
  return EventRole::kPart;
}

}  // namespace galaxis::relay
